import { type ServiceSpec, UnitValueError } from "./service-spec.ts";

/** Restart policy: 5 s apart, and at most 5 starts in 5 minutes before systemd gives up. */
const RESTART_SEC = 5;
const START_LIMIT_INTERVAL_SEC = 300;
const START_LIMIT_BURST = 5;
/** How long a stop may take: the hub lets an operation finish (20 s) and then stops every module. */
const TIMEOUT_STOP_SEC = 60;

/** A value systemd cannot hold on one line (a newline, a control character) is refused, not mangled. */
function refuseControl(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new UnitValueError(`${JSON.stringify(value)} has a control character; a unit file cannot carry it`);
  }
  return value;
}

/**
 * One double-quoted word of a unit file (systemd.syntax): `\` and `"` escaped C-style, `%` doubled
 * (specifiers). In a command's arguments `$` is doubled too (variable expansion); the executable's
 * path is taken literally, and the values of `Environment=` are never expanded.
 */
function quoted(value: string, dollars: boolean): string {
  let text = refuseControl(value).replace(/[\\"]/g, "\\$&").replace(/%/g, "%%");
  if (dollars) text = text.replace(/\$/g, "$$$$");
  return `"${text}"`;
}

/**
 * The systemd user unit that runs `parachute serve` (docs/contracts/cli.md, `init`). The hub's output
 * goes to the journal (it also writes `logs/hub.log` itself). KillMode=mixed: the stop signal goes to
 * the hub alone, which stops its modules in order; anything left is killed after the timeout.
 */
export function renderSystemdUnit(spec: ServiceSpec): string {
  // systemd refuses an executable path with quotes or a backslash, however it is escaped.
  if (/["'\\]/.test(spec.runtime)) {
    throw new UnitValueError(
      `systemd does not run a program whose path has a quote or a backslash (${spec.runtime}); run init with a runtime installed elsewhere`,
    );
  }
  const exec = [quoted(spec.runtime, false), quoted(spec.script, true), "serve"].join(" ");
  const env = Object.entries(spec.env).map(([k, v]) => `Environment=${quoted(`${k}=${v}`, false)}`);
  return [
    "# Written by `parachute init`; `parachute init --uninstall` removes it.",
    "[Unit]",
    "Description=Parachute hub",
    `StartLimitIntervalSec=${START_LIMIT_INTERVAL_SEC}`,
    `StartLimitBurst=${START_LIMIT_BURST}`,
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${exec}`,
    ...env,
    "Restart=on-failure",
    `RestartSec=${RESTART_SEC}`,
    "KillMode=mixed",
    `TimeoutStopSec=${TIMEOUT_STOP_SEC}`,
    "StandardOutput=journal",
    "StandardError=journal",
    "SyslogIdentifier=parachute",
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}
