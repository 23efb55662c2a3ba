import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { RUNTIME_FILE } from "@parachute/module-kit";

/** The files and folders of `PARACHUTE_HOME` (docs/product.md). */
export interface Home {
  root: string;
  services: string;
  hubDb: string;
  operatorToken: string;
  runtime: string;
  modules: string;
  logs: string;
  /** Journals (and backups) of operations under way; what a boot after a crash finishes or undoes. */
  operations: string;
  /** The data and package of each module from before its last upgrade. */
  backups: string;
  dataDir(short: string): string;
}

export function resolveHome(env: Record<string, string | undefined>): Home {
  const root = resolve(env.PARACHUTE_HOME || join(homedir(), ".parachute"));
  return {
    root,
    services: join(root, "services.json"),
    hubDb: join(root, "hub.db"),
    operatorToken: join(root, "operator.token"),
    runtime: join(root, RUNTIME_FILE),
    modules: join(root, "modules"),
    logs: join(root, "logs"),
    operations: join(root, "operations"),
    backups: join(root, "backups"),
    dataDir: (short) => join(root, short),
  };
}

/** Creates the home's folders, owner-only, on first use. */
export function ensureHome(home: Home): void {
  mkdirSync(home.root, { recursive: true, mode: 0o700 });
  mkdirSync(home.logs, { recursive: true, mode: 0o700 });
  mkdirSync(home.modules, { recursive: true, mode: 0o700 });
}
