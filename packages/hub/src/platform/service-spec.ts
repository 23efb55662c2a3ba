import { existsSync } from "node:fs";
import { isAbsolute } from "node:path";
import type { Home } from "./home.ts";

/** What a managed unit runs: `parachute serve` with this runtime, this script and this environment. */
export interface ServiceSpec {
  /** The runtime's absolute path (the one running `init`). */
  runtime: string;
  /** The hub's CLI script, absolute. */
  script: string;
  /** The variables the hub is started with; PARACHUTE_HOME always. */
  env: Record<string, string>;
  /** The home's logs folder (launchd writes the hub's stderr there). */
  logDir: string;
}

/** A value the unit file's format cannot hold (a newline in a path, say): refused, never mangled. */
export class UnitValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnitValueError";
  }
}

/**
 * Settings carried from the shell that runs `init` into the unit, when set. PATH too, so the hub and
 * its modules find the same tools as in the terminal. Secrets (the setup token) never: the unit is
 * world-readable.
 */
const CARRIED = [
  "PORT",
  "PARACHUTE_HUB_ORIGIN",
  "PARACHUTE_BIND_HOST",
  "PARACHUTE_ALLOWED_HOSTS",
  "PARACHUTE_TRUSTED_PROXY",
  "PATH",
];

export function serviceSpec(
  env: Record<string, string | undefined>,
  o: { runtime: string; script: string; home: Home },
): ServiceSpec {
  const vars: Record<string, string> = { PARACHUTE_HOME: o.home.root };
  for (const name of CARRIED) {
    const value = name === "PATH" ? lastingPath(env.PATH) : env[name];
    if (value) vars[name] = value;
  }
  return { runtime: o.runtime, script: o.script, env: vars, logDir: o.home.logs };
}

/**
 * The PATH the unit keeps: the shell's, without what only lasts for one command (npx puts its own
 * `node_modules/.bin` folders first, some of them under a temp folder any user can create) and
 * without folders that are not absolute or do not exist.
 */
function lastingPath(path: string | undefined): string | undefined {
  const kept = (path ?? "")
    .split(":")
    .filter((dir) => isAbsolute(dir) && !dir.endsWith("/node_modules/.bin"))
    .filter((dir) => existsSync(dir));
  return kept.length ? [...new Set(kept)].join(":") : undefined;
}
