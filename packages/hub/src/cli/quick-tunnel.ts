import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { processAlive } from "@parachute/module-kit";
import { quickTunnel, quickTunnelOrigin } from "../platform/expose-tools.ts";
import { isQuickTunnel } from "../platform/exposure.ts";
import { CliError, EXIT } from "./exit-codes.ts";

/** How long cloudflared may take to register a quick tunnel and print its address. */
const URL_DEADLINE_MS = 30_000;
/** How long a stopped tunnel may take to exit before it is killed. */
const STOP_DEADLINE_MS = 5_000;

const tail = (text: string) => text.trim().split("\n").slice(-5).join("\n");

/** Kills a process group (a detached child leads its own), else the process alone. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Starts `cloudflared tunnel --url http://127.0.0.1:<port>` detached from this CLI (its own process
 * group, output to `log`), so it outlives the command, and waits for the public URL it prints.
 */
export async function startQuickTunnel(
  bin: string,
  port: number,
  env: Record<string, string | undefined>,
  log: string,
): Promise<{ pid: number; origin: string }> {
  const fd = openSync(log, "w", 0o600);
  const child = spawn(bin, quickTunnel(port).slice(1), { detached: true, stdio: ["ignore", fd, fd], env });
  closeSync(fd);
  child.unref();
  const ended: { code: number | null } = { code: null };
  child.once("exit", (code) => {
    ended.code = code ?? -1;
  });
  const pid = child.pid;
  if (pid === undefined) throw new CliError(EXIT.failed, `${bin} did not start`);
  const until = performance.now() + URL_DEADLINE_MS;
  for (;;) {
    const output = readFileSync(log, "utf8");
    const origin = quickTunnelOrigin(output);
    if (origin) return { pid, origin };
    if (ended.code !== null) {
      throw new CliError(
        EXIT.failed,
        `cloudflared exited (${ended.code}) before it printed a tunnel URL: ${tail(output)}`,
      );
    }
    if (performance.now() > until) {
      killGroup(pid, "SIGKILL");
      throw new CliError(
        EXIT.failed,
        `cloudflared printed no tunnel URL within ${URL_DEADLINE_MS / 1000} s (its output is in ${log}): ${tail(output)}`,
      );
    }
    await Bun.sleep(50);
  }
}

/** Stops the quick tunnel `pid` if it still runs (and is still cloudflared); true if it was running. */
export async function stopQuickTunnel(pid: number): Promise<boolean> {
  if (!isQuickTunnel(pid)) return false;
  killGroup(pid, "SIGTERM");
  const until = performance.now() + STOP_DEADLINE_MS;
  while (isQuickTunnel(pid) && performance.now() < until) await Bun.sleep(50);
  if (processAlive(pid) && isQuickTunnel(pid)) killGroup(pid, "SIGKILL");
  return true;
}
