/**
 * Fake system tools for the CLI's tests: small shell scripts in a temp folder put on the PATH in place
 * of `systemctl`, `launchctl`, `tailscale` or `cloudflared`. Each records its argv (one call per
 * record) and then runs the body it was given.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runProgram, tempHome } from "./hub-process.ts";

const BIN = join(import.meta.dir, "..", "src", "cli", "bin.ts");
const ARG_END = "\u0000";
const CALL_END = "\u001e";

export interface FakeTools {
  /** The folder to put on the PATH (alone: the real tools must not be found). */
  dir: string;
  /** The argv (without the tool's name) of every call of `name` so far. */
  calls(name: string): string[][];
}

/** Writes one executable per entry: `name` → the shell commands it runs after recording its call. */
export function fakeTools(bodies: Record<string, string>): FakeTools {
  const dir = tempHome();
  for (const [name, body] of Object.entries(bodies)) {
    const path = join(dir, name);
    const log = join(dir, `${name}.calls`);
    writeFileSync(
      path,
      [
        "#!/bin/sh",
        "PATH=/usr/bin:/bin",
        `{ for a in "$@"; do printf '%s\\000' "$a"; done; printf '\\036'; } >> '${log}'`,
        body,
        "",
      ].join("\n"),
    );
    chmodSync(path, 0o755);
  }
  return {
    dir,
    calls(name) {
      const log = join(dir, `${name}.calls`);
      if (!existsSync(log)) return [];
      return readFileSync(log, "utf8")
        .split(CALL_END)
        .slice(0, -1)
        .map((call) => call.split(ARG_END).slice(0, -1));
    },
  };
}

/** Runs the CLI as a real process against a home, with extra environment (PATH, HOME, …). */
export function runCliWith(home: string, args: string[], env: Record<string, string>) {
  return runProgram([process.execPath, BIN, ...args], { PARACHUTE_HOME: home, ...env });
}
