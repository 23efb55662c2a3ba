import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { processAlive, writeFileAtomic } from "@parachute/module-kit";
import { HubError } from "../errors.ts";

/** Where the hub is published: only on the tailnet, or on the internet. */
export type ExposeMode = "tailnet" | "public";
type ExposeTool = "tailscale" | "cloudflared";

/** What `parachute expose` set up, kept in `PARACHUTE_HOME/expose.json` until `expose … off`. */
export interface Exposure {
  mode: ExposeMode;
  /** The https origin the hub is reached at, which becomes its own origin. */
  origin: string;
  tool: ExposeTool;
  /** The hub port the tool forwards to. */
  port: number;
  /** The cloudflared process of a quick tunnel. */
  pid?: number;
}

const EXPOSE_FILE = "expose.json";

const exposePath = (home: string) => join(home, EXPOSE_FILE);

function wellFormed(v: unknown): v is Exposure {
  if (typeof v !== "object" || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    (e.mode === "tailnet" || e.mode === "public") &&
    typeof e.origin === "string" &&
    /^https:\/\/[a-z0-9.-]+$/i.test(e.origin) &&
    (e.tool === "tailscale" ||
      (e.tool === "cloudflared" && Number.isInteger(e.pid) && (e.pid as number) > 0)) &&
    Number.isInteger(e.port)
  );
}

/** The stored exposure, or null. A file that is not one is reported with its path, never overwritten. */
export function readExposure(home: string): Exposure | null {
  const path = exposePath(home);
  if (!existsSync(path)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    parsed = undefined;
  }
  if (!wellFormed(parsed)) {
    throw new HubError(
      "unusable",
      "bad_expose_file",
      `${path} is not what \`parachute expose\` writes; fix or remove it (the tunnel it named may still run)`,
    );
  }
  return parsed;
}

export function writeExposure(home: string, exposure: Exposure): void {
  writeFileAtomic(exposePath(home), `${JSON.stringify(exposure, null, 2)}\n`, 0o600);
}

export function removeExposure(home: string): void {
  rmSync(exposePath(home), { force: true });
}

/** A process's command line: from /proc on Linux, else from `ps`; empty when there is no such process. */
function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    if (existsSync("/proc/self")) return "";
  }
  const ps = Bun.spawnSync(["ps", "-o", "command=", "-p", String(pid)], { stderr: "ignore" });
  return ps.exitCode === 0 ? ps.stdout.toString().trim() : "";
}

/** Whether `pid` is still a running cloudflared (not a process that later got the same pid). */
export function isQuickTunnel(pid: number): boolean {
  return processAlive(pid) && /cloudflared/.test(commandLine(pid));
}

/**
 * The origin `parachute expose` published, or null. A quick tunnel's origin lasts only as long as its
 * cloudflared process (it is gone after a reboot), so a dead one's origin is not used.
 */
export function exposedOrigin(home: string): string | null {
  const exposure = readExposure(home);
  if (!exposure) return null;
  if (exposure.tool === "cloudflared" && !isQuickTunnel(exposure.pid!)) return null;
  return exposure.origin;
}
