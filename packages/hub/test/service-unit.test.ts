/**
 * The unit files `parachute init` writes, rendered from plain options: every field read back the way
 * systemd and launchd read it, with paths that need quoting or escaping.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { resolveHome } from "../src/platform/home.ts";
import { renderLaunchdPlist } from "../src/platform/launchd-plist.ts";
import { type ServiceSpec, serviceSpec } from "../src/platform/service-spec.ts";
import {
  installCalls,
  LAUNCHD_LABEL,
  restartCommand,
  SYSTEMD_UNIT,
  uninstallCalls,
  unitPath,
} from "../src/platform/service-unit.ts";
import { renderSystemdUnit } from "../src/platform/systemd-unit.ts";
import { tempHome } from "../testing/hub-process.ts";
import { parsePlist, parseUnit, unitValues, unitWords } from "../testing/unit-files.ts";

/** A folder name with everything the formats treat specially: space, quotes, &, %, $, \, <, >. */
const AWKWARD = `My Files & "Co" 100% $HOME \\ <x> 'q'`;
/** The same without quotes and backslash, which systemd refuses in an executable's path. */
const AWKWARD_PROGRAM = "My Files & Co 100% $HOME <x>";

function spec(dir: string, programDir = dir): ServiceSpec {
  return {
    runtime: join(programDir, "bun"),
    script: join(dir, "bin.ts"),
    env: { PARACHUTE_HOME: join(dir, "home"), PORT: "4321", PATH: `${dir}:/usr/bin` },
    logDir: join(dir, "home", "logs"),
  };
}

describe("systemd user unit", () => {
  test("every field, read back as systemd splits it", () => {
    const s = spec(`/tmp/${AWKWARD}`, `/tmp/${AWKWARD_PROGRAM}`);
    const unit = parseUnit(renderSystemdUnit(s));
    expect([...unit.keys()]).toEqual(["Unit", "Service", "Install"]);
    expect(unitValues(unit, "Unit", "StartLimitIntervalSec")).toEqual(["300"]);
    expect(unitValues(unit, "Unit", "StartLimitBurst")).toEqual(["5"]);
    const [exec] = unitValues(unit, "Service", "ExecStart");
    // The executable's path is literal to systemd; the arguments get `$` expansion.
    expect(unitWords(exec!, 1)).toEqual([s.runtime, s.script, "serve"]);
    const env = unitValues(unit, "Service", "Environment").map((v) => {
      const words = unitWords(v);
      expect(words).toHaveLength(1);
      const [name, ...rest] = words[0]!.split("=");
      return [name, rest.join("=")];
    });
    expect(Object.fromEntries(env)).toEqual(s.env);
    expect(unitValues(unit, "Service", "Restart")).toEqual(["on-failure"]);
    expect(unitValues(unit, "Service", "RestartSec")).toEqual(["5"]);
    expect(unitValues(unit, "Service", "KillMode")).toEqual(["mixed"]);
    expect(unitValues(unit, "Service", "StandardOutput")).toEqual(["journal"]);
    expect(unitValues(unit, "Install", "WantedBy")).toEqual(["default.target"]);
  });

  test("systemd-analyze accepts the unit (paths with spaces, %, $, & and quotes)", async () => {
    const analyze = Bun.which("systemd-analyze");
    if (!analyze) {
      console.warn("systemd-analyze is not installed here: the unit was checked field by field only");
      return;
    }
    const root = tempHome();
    const [dir, programDir] = [join(root, AWKWARD), join(root, AWKWARD_PROGRAM)];
    mkdirSync(dir, { recursive: true });
    mkdirSync(programDir, { recursive: true });
    symlinkSync(process.execPath, join(programDir, "bun"));
    writeFileSync(join(dir, "bin.ts"), "");
    const path = join(tempHome(), SYSTEMD_UNIT);
    writeFileSync(path, renderSystemdUnit(spec(dir, programDir)));
    const proc = Bun.spawnSync([analyze, "verify", path], { stdout: "pipe", stderr: "pipe" });
    const said = `${proc.stdout}${proc.stderr}`;
    expect(said.split("\n").filter((l) => l.includes(SYSTEMD_UNIT))).toEqual([]);
    expect(proc.exitCode).toBe(0);
  });

  test("a program path systemd cannot run (a quote, a backslash) is refused with a reason", () => {
    expect(() => renderSystemdUnit(spec(`/tmp/${AWKWARD}`))).toThrow("quote or a backslash");
  });

  test("a value with a newline is refused, not written across lines", () => {
    const s = spec("/tmp/x");
    s.env.PARACHUTE_HOME = "/tmp/a\nExecStartPre=/bin/evil";
    expect(() => renderSystemdUnit(s)).toThrow("control character");
  });
});

describe("launchd agent", () => {
  const expected = (s: ServiceSpec) => ({
    Label: LAUNCHD_LABEL,
    ProgramArguments: [s.runtime, s.script, "serve"],
    EnvironmentVariables: s.env,
    RunAtLoad: true,
    KeepAlive: { SuccessfulExit: false },
    ThrottleInterval: 10,
    ExitTimeOut: 60,
    StandardOutPath: "/dev/null",
    StandardErrorPath: join(s.logDir, "hub.stderr.log"),
  });

  test("the property list parses back strictly to the same values (spaces, &, <, quotes)", () => {
    const s = spec(`/Users/ann/${AWKWARD}`);
    const text = renderLaunchdPlist(s, LAUNCHD_LABEL);
    expect(text).not.toContain("& ");
    expect(parsePlist(text)).toEqual(expected(s));
  });

  test("the platform's own reader agrees (plutil, else Python's plistlib)", () => {
    const s = spec(`/Users/ann/${AWKWARD}`);
    const path = join(tempHome(), "agent.plist");
    writeFileSync(path, renderLaunchdPlist(s, LAUNCHD_LABEL));
    const plutil = Bun.which("plutil");
    const python = Bun.which("python3");
    const argv = plutil
      ? [plutil, "-convert", "json", "-o", "-", path]
      : python
        ? [
            python,
            "-c",
            "import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],'rb'))))",
            path,
          ]
        : null;
    if (!argv) {
      console.warn(
        "neither plutil nor python3 is installed here: the plist was checked by the strict parser only",
      );
      return;
    }
    const proc = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
    expect(proc.stderr.toString()).toBe("");
    expect(JSON.parse(proc.stdout.toString())).toEqual(expected(s));
  });

  test("a character XML cannot hold is refused", () => {
    const s = spec("/tmp/x");
    s.env.PATH = "/bin\u0001";
    expect(() => renderLaunchdPlist(s, LAUNCHD_LABEL)).toThrow("cannot carry");
  });
});

describe("what init runs and where it writes", () => {
  test("the unit's place: XDG_CONFIG_HOME, else ~/.config; ~/Library/LaunchAgents on macOS", () => {
    expect(unitPath("systemd", { HOME: "/home/ann" })).toBe(
      "/home/ann/.config/systemd/user/parachute.service",
    );
    expect(unitPath("systemd", { HOME: "/home/ann", XDG_CONFIG_HOME: "/cfg" })).toBe(
      "/cfg/systemd/user/parachute.service",
    );
    expect(unitPath("launchd", { HOME: "/Users/ann" })).toBe(
      `/Users/ann/Library/LaunchAgents/${LAUNCHD_LABEL}.plist`,
    );
  });

  test("the unit carries the home and the hub's settings, never a secret", () => {
    const home = resolveHome({ PARACHUTE_HOME: "/srv/p" });
    const s = serviceSpec(
      {
        PORT: "8080",
        PARACHUTE_SETUP_TOKEN: "secret-setup-token",
        PARACHUTE_BIND_HOST: "",
        PATH: "/usr/bin",
      },
      { runtime: "/usr/bin/bun", script: "/opt/p/bin.ts", home },
    );
    expect(s.env).toEqual({ PARACHUTE_HOME: "/srv/p", PORT: "8080", PATH: "/usr/bin" });
    expect(s.logDir).toBe("/srv/p/logs");
  });

  test("systemd: enable --now when new, restart onto a changed file, enable only beside another hub", () => {
    const argv = (o: { replacing: boolean; start: boolean }) =>
      installCalls("systemd", { path: "/u", uid: 501, ...o }).map((c) => c.argv.join(" "));
    expect(argv({ replacing: false, start: true })).toEqual([
      "systemctl --user daemon-reload",
      "systemctl --user enable --now parachute.service",
    ]);
    expect(argv({ replacing: true, start: true })).toEqual([
      "systemctl --user daemon-reload",
      "systemctl --user enable parachute.service",
      "systemctl --user restart parachute.service",
    ]);
    expect(argv({ replacing: false, start: false })).toEqual([
      "systemctl --user daemon-reload",
      "systemctl --user enable parachute.service",
    ]);
    const off = uninstallCalls("systemd", 501);
    expect(off.before.map((c) => c.argv.join(" "))).toEqual([
      "systemctl --user disable --now parachute.service",
    ]);
    expect(off.after.map((c) => c.argv.join(" "))).toEqual(["systemctl --user daemon-reload"]);
    expect(restartCommand("systemd", 501)).toBe("systemctl --user restart parachute.service");
  });

  test("launchd: bootstrap into the user's GUI domain; a loaded agent is booted out first", () => {
    const path = "/Users/ann/Library/LaunchAgents/x.plist";
    expect(installCalls("launchd", { path, uid: 501, replacing: false, start: true })).toEqual([
      { argv: ["launchctl", "enable", `gui/501/${LAUNCHD_LABEL}`] },
      { argv: ["launchctl", "bootstrap", "gui/501", path] },
    ]);
    expect(installCalls("launchd", { path, uid: 501, replacing: true, start: true })[0]).toEqual({
      argv: ["launchctl", "bootout", `gui/501/${LAUNCHD_LABEL}`],
      mayFail: true,
    });
    expect(installCalls("launchd", { path, uid: 501, replacing: false, start: false })).toEqual([]);
    expect(uninstallCalls("launchd", 501).before).toEqual([
      { argv: ["launchctl", "bootout", `gui/501/${LAUNCHD_LABEL}`], mayFail: true },
    ]);
  });
});
