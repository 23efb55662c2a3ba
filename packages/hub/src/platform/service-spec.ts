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
    const value = env[name];
    if (value) vars[name] = value;
  }
  return { runtime: o.runtime, script: o.script, env: vars, logDir: o.home.logs };
}
