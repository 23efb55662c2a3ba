import { join } from "node:path";
import { type ServiceSpec, UnitValueError } from "./service-spec.ts";

/** Seconds launchd waits before starting the hub again after it failed. */
const THROTTLE_INTERVAL = 10;
/** How long a stop may take before launchd kills (as systemd's TimeoutStopSec). */
const EXIT_TIMEOUT = 60;

/** Text as XML character data: the five markup characters escaped; what XML 1.0 cannot hold refused. */
function xml(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: characters XML 1.0 forbids are refused
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(value)) {
    throw new UnitValueError(`${JSON.stringify(value)} has a character a property list cannot carry`);
  }
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const str = (value: string) => `<string>${xml(value)}</string>`;
const key = (name: string) => `<key>${xml(name)}</key>`;

/**
 * The launchd agent that runs `parachute serve` (docs/contracts/cli.md, `init`): started at login,
 * started again when it exits with a failure (not after a clean stop). The hub's stdout repeats what it
 * writes to `logs/hub.log` (which it rotates) and is dropped; stderr, where a failed start says why,
 * goes to `logs/hub.stderr.log`.
 */
export function renderLaunchdPlist(spec: ServiceSpec, label: string): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    "<dict>",
    `  ${key("Label")}${str(label)}`,
    `  ${key("ProgramArguments")}`,
    "  <array>",
    ...[spec.runtime, spec.script, "serve"].map((a) => `    ${str(a)}`),
    "  </array>",
    `  ${key("EnvironmentVariables")}`,
    "  <dict>",
    ...Object.entries(spec.env).map(([k, v]) => `    ${key(k)}${str(v)}`),
    "  </dict>",
    `  ${key("RunAtLoad")}<true/>`,
    `  ${key("KeepAlive")}`,
    "  <dict>",
    `    ${key("SuccessfulExit")}<false/>`,
    "  </dict>",
    `  ${key("ThrottleInterval")}<integer>${THROTTLE_INTERVAL}</integer>`,
    `  ${key("ExitTimeOut")}<integer>${EXIT_TIMEOUT}</integer>`,
    `  ${key("StandardOutPath")}${str("/dev/null")}`,
    `  ${key("StandardErrorPath")}${str(join(spec.logDir, "hub.stderr.log"))}`,
    "</dict>",
    "</plist>",
    "",
  ];
  return lines.join("\n");
}
