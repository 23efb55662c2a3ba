import { checkoutRoot } from "../platform/checkout.ts";
import { type Home, resolveHome } from "../platform/home.ts";
import {
  type InstalledHub,
  newerInstalledHub,
  readHubPointer,
  writeHubPointer,
} from "../platform/hub-versions.ts";
import { readRuntime } from "../platform/runtime-file.ts";
import { HUB_VERSION } from "../version.ts";

/** The exit code a hub run by the launcher uses to ask for a restart onto a newly installed version. */
export const EXIT_RESTART = 75;

/** Set in the environment of a hub the launcher runs, so it asks the launcher to restart it. */
export const CHILD_FLAG = "PARACHUTE_HUB_CHILD";

export interface ChildOutcome {
  code: number;
  /** Whether it got as far as serving (wrote the runtime file) before it exited. */
  booted: boolean;
}

/**
 * Runs an installed hub version in the foreground as a child of this process, on the given port,
 * passing on a stop request, and reports how it ended.
 */
export async function runInstalledHub(
  hub: InstalledHub,
  port: number,
  env: Record<string, string | undefined>,
  stop: Promise<void>,
): Promise<ChildOutcome> {
  const home = resolveHome(env);
  const proc = Bun.spawn([process.execPath, hub.entry, "serve", "--port", String(port)], {
    // The child learns what it runs under: the version `serve` would fall back to, and the checkout
    // whose packed modules stay the default source.
    env: {
      ...env,
      [CHILD_FLAG]: "1",
      PARACHUTE_LAUNCHER_VERSION: HUB_VERSION,
      ...(checkoutRoot(env) ? { PARACHUTE_CHECKOUT_ROOT: checkoutRoot(env)! } : {}),
    },
    stdio: ["inherit", "inherit", "inherit"],
  });
  void stop.then(() => proc.kill("SIGTERM"));
  let booted = false;
  const watch = setInterval(() => {
    if (readRuntime(home.runtime)?.pid === proc.pid) booted = true;
  }, 100);
  const code = await proc.exited;
  clearInterval(watch);
  return { code, booted: booted || code === EXIT_RESTART };
}

/** After an installed hub failed to start: go back to the version it replaced (or to this one). */
export function fallBack(home: Home, failed: InstalledHub): InstalledHub | null {
  const pointer = readHubPointer(home.root);
  const previous = pointer?.version === failed.version ? pointer.previous : null;
  writeHubPointer(home.root, previous ? { ...previous, previous: null } : null);
  return newerInstalledHub(home.root, HUB_VERSION);
}

/** Resolves when the process that started this one has gone (so a hub never outlives its launcher). */
export function parentGone(): Promise<void> {
  const parent = process.ppid;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (process.ppid !== parent) {
        clearInterval(timer);
        resolve();
      }
    }, 1_000);
    timer.unref();
  });
}
