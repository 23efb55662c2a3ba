import { existsSync, readFileSync } from "node:fs";
import { runningHub } from "@parachute/module-kit";
import type { Accepted, OperationEvent, OperationView } from "../api-types.ts";
import { type Home, resolveHome } from "../platform/home.ts";
import type { RuntimeInfo } from "../platform/runtime-file.ts";
import { cliName } from "./cli-name.ts";
import { CliError, EXIT } from "./exit-codes.ts";
import { readSse } from "./sse.ts";

/** Talks to the running hub's API with the operator token from the home. */
export class HubClient {
  private readonly home: Home;
  /** How the user runs the CLI, for advice. */
  private readonly cli: string;

  constructor(env: Record<string, string | undefined>) {
    this.home = resolveHome(env);
    this.cli = cliName(env);
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
    throw this.failure(
      res.status,
      (json.message as string) ?? `the hub answered ${res.status}`,
      typeof json.error === "string" ? json.error : undefined,
    );
  }

  /**
   * Starts an operation and follows its events until it ends, passing each step and log line to
   * `onEvent`; a failed operation is thrown as the CliError its status maps to.
   */
  async operate(
    path: string,
    body: unknown,
    onEvent: (e: OperationEvent) => void,
    stop?: Promise<void>,
  ): Promise<OperationView> {
    const { operation_id } = await this.call<Accepted>("POST", path, body);
    const res = await this.stream(`/api/operations/${operation_id}/events`);
    let outcome: OperationView | undefined;
    await readSse(
      res.body!,
      (e) => {
        if (e.event === "done") outcome = JSON.parse(e.data) as OperationView;
        else onEvent(JSON.parse(e.data) as OperationEvent);
        return outcome === undefined;
      },
      stop,
    );
    if (!outcome) {
      throw new CliError(
        EXIT.failed,
        `stopped following operation ${operation_id}; it goes on in the hub (GET /api/operations/${operation_id})`,
      );
    }
    const error = outcome.error;
    if (outcome.state === "failed" && error) {
      // The request was sound; the module did not come up (and an upgrade was rolled back).
      if (error.code === "module_not_ready" || error.code === "upgrade_rolled_back")
        throw new CliError(EXIT.failed, error.message);
      throw this.failure(error.status, error.message, error.code);
    }
    return outcome;
  }

  /** Waits until the home's hub runs `version` and answers; for after a hub upgrade. */
  async waitForHub(version: string, ms: number): Promise<RuntimeInfo> {
    const until = Date.now() + ms;
    for (;;) {
      const runtime = await runningHub(this.home.root);
      if (runtime?.version === version) return runtime;
      if (Date.now() > until)
        throw new CliError(
          EXIT.failed,
          `hub ${version} did not come up within ${ms / 1000} s; see the hub's output`,
        );
      await Bun.sleep(100);
    }
  }

  /** An open streaming response (for `logs -f`). */
  async stream(path: string): Promise<Response> {
    const res = await this.send("GET", path);
    if (res.ok && res.body) return res;
    const json = (await res.json().catch(() => ({}))) as { message?: string };
    throw this.failure(res.status, json.message ?? `the hub answered ${res.status}`);
  }

  private failure(status: number, message: string, code?: string): CliError {
    if (status !== 401) return failure(status, message, code);
    return failure(status, `${message} (the operator token at ${this.home.operatorToken} was refused)`, code);
  }

  /**
   * The hub is found only through this home's runtime file, so a CLI never talks to the hub of
   * another home that happens to hold the default port.
   */
  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    // The operator token goes only to a hub that proves it is this home's: a runtime file left by
    // an unclean stop may name a pid and a port that are someone else's by now.
    const runtime = await runningHub(this.home.root);
    if (!runtime) {
      throw new CliError(
        EXIT.hubUnreachable,
        `no hub is running for ${this.home.root}; start it with \`${this.cli} serve\` (or, if a hub runs with another home, set PARACHUTE_HOME to that home)`,
      );
    }
    const origin = `http://127.0.0.1:${runtime.port}`;
    if (!existsSync(this.home.operatorToken)) {
      throw new CliError(EXIT.unauthorized, `no operator token at ${this.home.operatorToken}`);
    }
    const token = readFileSync(this.home.operatorToken, "utf8").trim();
    try {
      return await fetch(`${origin}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new CliError(
        EXIT.hubUnreachable,
        `no hub answers at ${origin}; start it with \`${this.cli} serve\``,
      );
    }
  }
}

/** Maps a hub answer's status onto the CLI's exit codes. */
function failure(status: number, message: string, code?: string): CliError {
  if (status === 401 || status === 403) return new CliError(EXIT.unauthorized, message, code);
  if (status === 404) return new CliError(EXIT.notFound, message, code);
  if ([400, 409, 413, 422].includes(status)) return new CliError(EXIT.rejected, message, code);
  return new CliError(EXIT.failed, message, code);
}
