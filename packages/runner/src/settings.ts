import type { ConfigValues } from "@parachute/module-kit";
import { isTimeZone } from "./core/cron.ts";

/** The runner's settings, from its config (the admin app's settings form) with defaults. */
export interface RunnerSettings {
  vault: string;
  vaultUrl: string;
  claudeCommand: string;
  /** Tools beyond the vault's MCP tools that a job may allow. */
  extraTools: string[];
  pollSeconds: number;
  concurrency: number;
  timeZone: string;
}

const hostZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

export function settingsFrom(values: ConfigValues, overrides: Partial<RunnerSettings> = {}): RunnerSettings {
  const str = (k: string, d: string) => (typeof values[k] === "string" && values[k] ? String(values[k]) : d);
  const int = (k: string, d: number) => (typeof values[k] === "number" ? Number(values[k]) : d);
  return {
    vault: str("vault", "default"),
    vaultUrl: str("vaultUrl", "").replace(/\/+$/, ""),
    claudeCommand: str("claudeCommand", "claude"),
    extraTools: str("extraTools", "")
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean),
    pollSeconds: int("pollSeconds", 30),
    concurrency: int("concurrency", 2),
    // A zone this machine does not know falls back to its own (the log says so), never stops the clock.
    timeZone: isTimeZone(str("timeZone", hostZone())) ? str("timeZone", hostZone()) : hostZone(),
    ...overrides,
  };
}

/** `{{date}}`: the day an instant falls on in the time zone, as YYYY-MM-DD. */
export function dateIn(timeZone: string): (ms: number) => string {
  const fmt = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  });
  return (ms) => fmt.format(new Date(ms));
}
