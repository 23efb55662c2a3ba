import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Where a running hub can be reached: `$PARACHUTE_HOME/hub.runtime.json`, written by `parachute
 * serve` and removed at a clean exit. A module's tools read it to find the hub's public origin.
 */
export interface HubRuntime {
  pid: number;
  port: number;
  origin: string;
  version: string;
}

export const RUNTIME_FILE = "hub.runtime.json";

export function readRuntime(path: string): HubRuntime | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as HubRuntime;
  } catch {
    return null;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The hub serving a home, if one is running (its runtime file names a live process). */
export function runningHub(home: string): HubRuntime | null {
  const info = readRuntime(join(home, RUNTIME_FILE));
  return info && typeof info.pid === "number" && processAlive(info.pid) ? info : null;
}
