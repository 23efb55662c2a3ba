import { unlinkSync } from "node:fs";
import { type HubRuntime, processAlive, readRuntime, writeFileAtomic } from "@parachute/module-kit";

/** Where a running hub can be reached; written at `serve`, removed at a clean exit. */
export type RuntimeInfo = HubRuntime;
export { processAlive, readRuntime };

export function writeRuntime(path: string, info: RuntimeInfo): void {
  writeFileAtomic(path, `${JSON.stringify(info)}\n`, 0o600);
}

export function removeRuntime(path: string, pid: number): void {
  if (readRuntime(path)?.pid === pid) unlinkSync(path);
}
