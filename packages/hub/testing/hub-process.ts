import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProgram } from "@parachute/module-kit/testing";
import type { Subprocess } from "bun";
import type { OperationView } from "../src/api-types.ts";
import { readSse } from "../src/cli/sse.ts";
import { pidAlive, waitFor } from "./wait.ts";

const BIN = join(import.meta.dir, "..", "src", "cli", "bin.ts");
const live = new Set<Subprocess>();
const homes = new Set<string>();

/**
 * Kills every hub started here and removes every temp home made here. The test run calls it once at
 * its end (scripts/test-setup.ts); the benchmarks call it themselves.
 */
export async function cleanUp(): Promise<void> {
  for (const p of live) p.kill("SIGKILL");
  await Promise.all([...live].map((p) => p.exited));
  for (const h of homes) rmSync(h, { recursive: true, force: true });
  homes.clear();
}

/** A fresh PARACHUTE_HOME in the temp folder, removed by cleanUp. */
export function tempHome(): string {
  const dir = mkdtempSync(join(tmpdir(), "parachute-test-"));
  homes.add(dir);
  return dir;
}

export interface HubProcess {
  home: string;
  origin: string;
  port: number;
  token: string;
  proc: Subprocess;
  output: () => string;
  /** The admin's session cookie and CSRF token (set up by startHub unless `setup: false`). */
  session: { cookie: string; csrf: string } | null;
  /** Calls the hub API with the operator token. */
  api(method: string, path: string, body?: unknown): Promise<Response>;
  /**
   * Calls an operation endpoint and follows the operation's events to its end. An answer other
   * than 202 is returned as it is; otherwise the outcome: 200 `{ module, operation }` or the
   * operation's error status with `{ error, message, operation }`.
   */
  op(method: string, path: string, body?: unknown): Promise<Response>;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<number>;
}

export const TEST_SETUP_TOKEN = "test-setup-token-0123456789";
export const TEST_ADMIN = { username: "admin", password: "correct horse battery staple" };

/**
 * Starts `parachute serve --port 0` (or `command`, which must end up running a hub) as a real
 * process and waits until it answers. Unless `setup: false`, the admin account is created (or
 * logged into) so the hub is open for the test.
 */
export async function startHub(
  home: string,
  env: Record<string, string> = {},
  opts: { setup?: boolean; command?: string[] } = {},
): Promise<HubProcess> {
  const runtimeFile = join(home, "hub.runtime.json");
  let out = "";
  const proc = Bun.spawn(opts.command ?? [process.execPath, BIN, "serve", "--port", "0"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/root",
      PARACHUTE_HOME: home,
      PARACHUTE_SETUP_TOKEN: TEST_SETUP_TOKEN,
      // Modules get ports from the system, so test runs side by side (and another hub) never clash.
      PARACHUTE_MODULE_PORTS: "system",
      ...env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  live.add(proc);
  void proc.exited.then(() => live.delete(proc));
  const collect = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s as unknown as AsyncIterable<Uint8Array>)
      out += new TextDecoder().decode(chunk);
  };
  void collect(proc.stdout);
  void collect(proc.stderr);
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  const runtime = await waitFor(() => {
    if (exited) return { exited };
    const info = existsSync(runtimeFile) && JSON.parse(readFileSync(runtimeFile, "utf8"));
    // The hub is this process, or runs under it: the installed hub version `serve` runs as its
    // child, and that again under an init (tini) in the container's command.
    return info && descendsFrom(info.pid, proc.pid) ? info : null;
  }, "the hub to write its runtime file");
  if (runtime.exited) {
    await Bun.sleep(0);
    throw new Error(`hub exited with ${proc.exitCode}: ${out}`);
  }
  const origin = `http://127.0.0.1:${runtime.port}`;
  const token = readFileSync(join(home, "operator.token"), "utf8").trim();
  const session =
    opts.setup === false ? null : await adminSession(origin, env.PARACHUTE_SETUP_TOKEN ?? TEST_SETUP_TOKEN);
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${origin}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    session,
    home,
    origin,
    port: runtime.port,
    token,
    proc,
    output: () => out,
    api,
    op: async (method, path, body) => {
      const res = await api(method, path, body);
      if (res.status !== 202) return res;
      const { operation_id } = (await res.json()) as { operation_id: string };
      const { outcome } = await operationEvents(origin, token, operation_id);
      return outcome.state === "succeeded"
        ? Response.json({ module: outcome.result, operation: outcome }, { status: 200 })
        : Response.json(
            { error: outcome.error?.code, message: outcome.error?.message, operation: outcome },
            { status: outcome.error?.status ?? 500 },
          );
    },
    stop: async () => {
      proc.kill("SIGTERM");
      return proc.exited;
    },
  };
}

export interface FollowedOperation {
  events: { event: string; data: Record<string, unknown> }[];
  outcome: OperationView;
}

/** Reads an operation's event stream to its end (`done`), through the real SSE endpoint. */
export async function operationEvents(origin: string, token: string, id: string): Promise<FollowedOperation> {
  const res = await fetch(`${origin}/api/operations/${id}/events`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status !== 200) throw new Error(`events of ${id}: ${res.status} ${await res.text()}`);
  const events: FollowedOperation["events"] = [];
  await readSse(res.body!, (e) => {
    events.push({ event: e.event, data: JSON.parse(e.data) as Record<string, unknown> });
    return true;
  });
  const done = events.at(-1);
  if (done?.event !== "done") throw new Error(`events of ${id} ended without "done"`);
  return { events, outcome: done.data as unknown as OperationView };
}

/** Whether `pid` is `ancestor` or runs under it, at most three generations down. */
function descendsFrom(pid: number, ancestor: number): boolean {
  let p: number | null = pid;
  for (let i = 0; i < 4 && p; i++, p = parentOf(p)) if (p === ancestor) return true;
  return false;
}

/** A process's parent pid, from /proc; null when it is gone. */
function parentOf(pid: number): number | null {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[1]);
  } catch {
    return null;
  }
}

/** Creates the admin (first time) or logs in, returning the session cookie and CSRF token. */
async function adminSession(
  origin: string,
  setupToken = TEST_SETUP_TOKEN,
): Promise<{ cookie: string; csrf: string }> {
  const needed = ((await (await fetch(`${origin}/api/setup`)).json()) as { needed: boolean }).needed;
  const res = needed
    ? await fetch(`${origin}/api/setup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: setupToken, ...TEST_ADMIN }),
      })
    : await fetch(`${origin}/api/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(TEST_ADMIN),
      });
  if (!res.ok) throw new Error(`admin session: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  return { cookie, csrf: ((await res.json()) as { csrf: string }).csrf };
}

/** Runs the CLI as a real process against a home; returns its exit code and output. */
export function runCli(home: string, args: string[], cwd?: string) {
  return runProgram([process.execPath, BIN, ...args], { PARACHUTE_HOME: home }, cwd);
}

/** Waits for a module to reach a state, through the API. */
export async function waitForState(hub: HubProcess, short: string, state: string, deadlineMs = 10_000) {
  return waitFor(
    async () => {
      const res = await hub.api("GET", "/api/modules");
      const { modules } = (await res.json()) as {
        modules: {
          short: string;
          state: string;
          pid: number | null;
          reason: string | null;
          restarts: number;
        }[];
      };
      const m = modules.find((x) => x.short === short);
      return m?.state === state ? m : null;
    },
    `${short} to be ${state}`,
    deadlineMs,
  );
}

export { pidAlive, runProgram, waitFor };
