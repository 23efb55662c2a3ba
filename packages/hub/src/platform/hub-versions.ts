import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "@parachute/module-kit";

/** A hub installed into the home by `parachute upgrade hub`: its version and the CLI to run. */
export interface InstalledHub {
  version: string;
  entry: string;
}

/** `$PARACHUTE_HOME/hub/current.json`: the hub to run, and the one before it (to fall back to). */
export interface HubPointer extends InstalledHub {
  previous: InstalledHub | null;
}

export const hubDir = (homeRoot: string) => join(homeRoot, "hub");
const pointerFile = (homeRoot: string) => join(hubDir(homeRoot), "current.json");

export function readHubPointer(homeRoot: string): HubPointer | null {
  try {
    const p = JSON.parse(readFileSync(pointerFile(homeRoot), "utf8")) as HubPointer;
    return typeof p.version === "string" && typeof p.entry === "string" ? p : null;
  } catch {
    return null;
  }
}

export function writeHubPointer(homeRoot: string, pointer: HubPointer | null): void {
  if (pointer === null) {
    writeFileAtomic(pointerFile(homeRoot), "null\n", 0o600);
    return;
  }
  writeFileAtomic(pointerFile(homeRoot), `${JSON.stringify(pointer, null, 2)}\n`, 0o600);
}

/** Compares two `x.y.z[-pre]` versions; a pre-release sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const [ma, pa] = a.split("-", 2);
  const [mb, pb] = b.split("-", 2);
  const na = (ma ?? "").split(".").map(Number);
  const nb = (mb ?? "").split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (na[i] ?? 0) - (nb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (pa === pb) return 0;
  if (pa === undefined) return 1;
  if (pb === undefined) return -1;
  return pa < pb ? -1 : 1;
}

/** The installed hub to run instead of this one: only one newer than the running code, still on disk. */
export function newerInstalledHub(homeRoot: string, running: string): InstalledHub | null {
  const p = readHubPointer(homeRoot);
  if (!p || compareVersions(p.version, running) <= 0 || !existsSync(p.entry)) return null;
  return { version: p.version, entry: p.entry };
}

/**
 * Why this hub cannot replace itself, or null when it can. It can when `parachute serve` started it
 * (the launcher restarts it onto the new version) and its home is writable — in a container too,
 * where the home is the one disk. An operator whose versions come only from images (a disk that does
 * not outlive a deploy) turns it off with `PARACHUTE_SELF_UPGRADE=off`.
 */
export function selfUpgradeBlocker(
  env: Record<string, string | undefined>,
  homeRoot: string,
  canRelaunch: boolean,
): string | null {
  if (env.PARACHUTE_SELF_UPGRADE === "off") {
    return "redeploy required: self-upgrade is off here (PARACHUTE_SELF_UPGRADE=off); deploy the new version instead";
  }
  if (!canRelaunch) {
    return "redeploy required: this hub was not started by `parachute serve`, so it cannot restart itself";
  }
  try {
    accessSync(homeRoot, constants.W_OK);
  } catch {
    return `redeploy required: ${homeRoot} is not writable, so a new version cannot be installed into it`;
  }
  return null;
}
