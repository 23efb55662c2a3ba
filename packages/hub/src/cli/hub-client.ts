import { existsSync, readFileSync } from "node:fs";
import { resolveHome } from "../platform/home.ts";
import { readRuntime } from "../platform/runtime-file.ts";
import { CliError, EXIT } from "./exit-codes.ts";

/** Talks to the running hub's API with the operator token from the home. */
export class HubClient {
  readonly origin: string;
  private readonly token: string | null;

  constructor(env: Record<string, string | undefined>) {
    const home = resolveHome(env);
    const runtime = readRuntime(home.runtime);
    this.origin = runtime ? `http://127.0.0.1:${runtime.port}` : `http://127.0.0.1:${env.PORT || 1939}`;
    this.token = existsSync(home.operatorToken) ? readFileSync(home.operatorToken, "utf8").trim() : null;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text);
    } catch {
      // A non-JSON answer is reported by status below.
    }
    if (res.ok) return json as T;
    const message = (json.message as string) ?? `the hub answered ${res.status}`;
    if (res.status === 401 || res.status === 403) throw new CliError(EXIT.unauthorized, message);
    if (res.status === 404) throw new CliError(EXIT.notFound, message);
    if (res.status === 400 || res.status === 409 || res.status === 413 || res.status === 422) {
      throw new CliError(EXIT.rejected, message);
    }
    throw new CliError(EXIT.failed, message);
  }

  /** An open streaming response (for `logs -f`). */
  async stream(path: string): Promise<Response> {
    const res = await this.send("GET", path);
    if (!res.ok || !res.body) throw new CliError(EXIT.failed, `the hub answered ${res.status}`);
    return res;
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    if (!this.token) {
      throw new CliError(
        EXIT.unauthorized,
        "no operator token in this PARACHUTE_HOME; run `parachute serve` first",
      );
    }
    try {
      return await fetch(`${this.origin}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new CliError(
        EXIT.hubUnreachable,
        `no hub answers at ${this.origin}; start it with \`parachute serve\``,
      );
    }
  }
}
