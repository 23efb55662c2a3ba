import { existsSync } from "node:fs";
import { join } from "node:path";

/** Set for the hub that runs under the init, so it does not start another. */
const UNDER_INIT = "PARACHUTE_UNDER_INIT";

/** `tini` on the PATH (or where Debian puts it), or null. */
function findTini(env: Record<string, string | undefined>): string | null {
  const dirs = [...(env.PATH ?? "").split(":"), "/usr/bin", "/sbin", "/usr/sbin"];
  return dirs.map((d) => join(d, "tini")).find((p) => p.startsWith("/") && existsSync(p)) ?? null;
}

/**
 * A hub that finds itself PID 1 (a container started without an init) would collect zombies: Bun
 * reaps only the children it spawned, and every orphan of the process tree lands on PID 1. When
 * `tini` is present, `serve` runs itself again under `tini -s` (a subreaper, so orphans land on tini,
 * which reaps them) and waits, passing signals on. Returns null when it did not (not PID 1, already
 * under the init, or no tini: the hub then says so in its log).
 */
export async function serveUnderInit(
  env: Record<string, string | undefined>,
  interrupted: Promise<void>,
): Promise<number | null> {
  if (process.pid !== 1 || env[UNDER_INIT] === "1") return null;
  const tini = findTini(env);
  if (!tini) return null;
  const child = Bun.spawn([tini, "-s", "-g", "--", process.execPath, ...process.argv.slice(1)], {
    env: { ...env, [UNDER_INIT]: "1" },
    stdio: ["inherit", "inherit", "inherit"],
  });
  void interrupted.then(() => child.kill("SIGTERM"));
  return await child.exited;
}
