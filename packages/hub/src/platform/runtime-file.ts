import { existsSync, readFileSync, unlinkSync } from "node:fs";
import { writeFileAtomic } from "@parachute/module-kit";

/** Where a running hub can be reached; written at `serve`, removed at a clean exit. */
export interface RuntimeInfo {
  pid: number;
  port: number;
  origin: string;
  version: string;
}

export function readRuntime(path: string): RuntimeInfo | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as RuntimeInfo;
  } catch {
    return null;
  }
}

export function writeRuntime(path: string, info: RuntimeInfo): void {
  writeFileAtomic(path, `${JSON.stringify(info)}\n`, 0o600);
}

export function removeRuntime(path: string, pid: number): void {
  if (readRuntime(path)?.pid === pid) unlinkSync(path);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
