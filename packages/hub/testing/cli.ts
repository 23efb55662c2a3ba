/**
 * Helpers the CLI's tests share: a hub per test, fixture modules installed through the CLI, and the
 * CLI spawned as a live process (for `logs -f`).
 */
import { expect } from "bun:test";
import { join } from "node:path";
import { makeFixture } from "./fixtures.ts";
import { type HubProcess, runCli, startHub, tempHome, waitFor } from "./hub-process.ts";

const BIN = join(import.meta.dir, "..", "src", "cli", "bin.ts");
/** How long a CLI test that starts a hub and modules may take. */
export const LONG = 30_000;

/** Where fixture packages live: a temp folder of their own (removed after the run), never inside a home. */
export function packagesDir(): string {
  return tempHome();
}

/** Runs `fn` against a fresh home with a running hub, and always stops that hub. */
export async function withHub(fn: (hub: HubProcess) => Promise<void>): Promise<void> {
  const hub = await startHub(tempHome());
  try {
    await fn(hub);
  } finally {
    await hub.stop();
  }
}

export const MODULE_KEYS = [
  "pid",
  "port",
  "reason",
  "restarts",
  "short",
  "state",
  "uptime",
  "url",
  "version",
];

export interface CliModule {
  short: string;
  state: string;
  reason: string | null;
  pid: number | null;
  port: number;
  version: string;
  restarts: number;
  uptime: number | null;
}

/** `parachute status --json`, parsed; fails the test when the command does not exit 0. */
export async function statusJson(
  home: string,
): Promise<{ hub: Record<string, unknown>; modules: CliModule[] }> {
  const r = await runCli(home, ["status", "--json"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

/** One module's line of `status --json`. */
export async function moduleStatus(home: string, short: string): Promise<CliModule | undefined> {
  return (await statusJson(home)).modules.find((m) => m.short === short);
}

/** Installs a fresh fixture through the CLI and returns its status line from `status --json`. */
export async function installFixture(hub: HubProcess, name: string, port: number): Promise<CliModule> {
  const dir = makeFixture(packagesDir(), { name, port });
  const r = await runCli(hub.home, ["install", dir]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const m = await moduleStatus(hub.home, name);
  expect(m?.state).toBe("active");
  return m!;
}

/** True when something accepts HTTP on 127.0.0.1:`port`. */
export async function answers(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/** Spawns the CLI like `runCli` does, but hands back the live process and its stdout so far. */
export function spawnCli(home: string, args: string[]) {
  const proc = Bun.spawn([process.execPath, BIN, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", PARACHUTE_HOME: home },
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  void (async () => {
    for await (const chunk of proc.stdout as unknown as AsyncIterable<Uint8Array>)
      out += new TextDecoder().decode(chunk);
  })();
  return { proc, stdout: () => out };
}

/**
 * Nothing tells from outside when a `logs -f` follower has subscribed, so this restarts the module
 * until the startup line of one of the restarts shows up in the follower's output; returns their pids.
 */
export async function restartUntilFollowed(
  hub: HubProcess,
  short: string,
  stdout: () => string,
): Promise<number[]> {
  const pids: number[] = [];
  await waitFor(async () => {
    if (pids.some((pid) => stdout().includes(`fixture ${short} starting as pid ${pid} `))) return true;
    const r = await runCli(hub.home, ["restart", short]);
    if (r.code !== 0) throw new Error(`restart exited ${r.code}: ${r.stderr}`);
    pids.push((await moduleStatus(hub.home, short))!.pid!);
    return false;
  }, `a restart's startup line in the output of logs -f ${short}`);
  return pids;
}
