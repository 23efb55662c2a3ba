import { homedir } from "node:os";
import { join } from "node:path";
import { renderLaunchdPlist } from "./launchd-plist.ts";
import type { ServiceSpec } from "./service-spec.ts";
import { renderSystemdUnit } from "./systemd-unit.ts";

/** The service managers `parachute init` installs the hub into. */
export type ServiceManager = "systemd" | "launchd";

export const SYSTEMD_UNIT = "parachute.service";
export const LAUNCHD_LABEL = "computer.parachute.hub";

/** One run of the service manager's tool; `mayFail` where a failure only means "nothing to stop". */
export interface ToolCall {
  argv: string[];
  mayFail?: boolean;
}

export function managerFor(platform: string): ServiceManager | null {
  if (platform === "linux") return "systemd";
  if (platform === "darwin") return "launchd";
  return null;
}

/** The hosting platform that already supervises the hub (restarts it, starts it at boot), if any. */
export function supervisingPlatform(env: Record<string, string | undefined>): string | null {
  if (env.RENDER || env.RENDER_EXTERNAL_URL) return "Render";
  if (env.FLY_APP_NAME) return "Fly";
  return null;
}

/** Where the unit file lives: the systemd user folder (XDG_CONFIG_HOME) or ~/Library/LaunchAgents. */
export function unitPath(manager: ServiceManager, env: Record<string, string | undefined>): string {
  const home = env.HOME || homedir();
  if (manager === "launchd") return join(home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);
  return join(env.XDG_CONFIG_HOME || join(home, ".config"), "systemd", "user", SYSTEMD_UNIT);
}

export function renderUnit(manager: ServiceManager, spec: ServiceSpec): string {
  return manager === "systemd" ? renderSystemdUnit(spec) : renderLaunchdPlist(spec, LAUNCHD_LABEL);
}

/**
 * The tool runs that load a freshly written unit. `replacing`: a unit was there before, so the
 * running one restarts onto the new file. `start: false` (another hub serves the home now): enabled
 * for the next login or boot, not started beside it.
 */
export function installCalls(
  manager: ServiceManager,
  o: { path: string; uid: number; replacing: boolean; start: boolean },
): ToolCall[] {
  if (manager === "systemd") {
    const ctl = (...args: string[]) => ({ argv: ["systemctl", "--user", ...args] });
    if (!o.start) return [ctl("daemon-reload"), ctl("enable", SYSTEMD_UNIT)];
    if (o.replacing) return [ctl("daemon-reload"), ctl("enable", SYSTEMD_UNIT), ctl("restart", SYSTEMD_UNIT)];
    return [ctl("daemon-reload"), ctl("enable", "--now", SYSTEMD_UNIT)];
  }
  if (!o.start) return [];
  const domain = `gui/${o.uid}`;
  const service = `${domain}/${LAUNCHD_LABEL}`;
  return [
    ...(o.replacing ? [{ argv: ["launchctl", "bootout", service], mayFail: true }] : []),
    { argv: ["launchctl", "enable", service] },
    { argv: ["launchctl", "bootstrap", domain, o.path] },
  ];
}

/** The tool runs that stop and disable the unit: `before` its file is removed, `after` it. */
export function uninstallCalls(
  manager: ServiceManager,
  uid: number,
): { before: ToolCall[]; after: ToolCall[] } {
  if (manager === "systemd") {
    return {
      before: [{ argv: ["systemctl", "--user", "disable", "--now", SYSTEMD_UNIT] }],
      after: [{ argv: ["systemctl", "--user", "daemon-reload"] }],
    };
  }
  return {
    before: [{ argv: ["launchctl", "bootout", `gui/${uid}/${LAUNCHD_LABEL}`], mayFail: true }],
    after: [],
  };
}

/** The command that restarts the installed unit (to apply a new origin, say). */
export function restartCommand(manager: ServiceManager, uid: number): string {
  return manager === "systemd"
    ? `systemctl --user restart ${SYSTEMD_UNIT}`
    : `launchctl kickstart -k gui/${uid}/${LAUNCHD_LABEL}`;
}
