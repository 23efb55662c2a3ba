/**
 * `parachute init [--uninstall]` end to end: the real CLI with fake `systemctl` (and, in process,
 * `launchctl`) executables on the PATH that record how they were called.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { initCommand } from "../src/cli/commands/init.ts";
import { CliError } from "../src/cli/exit-codes.ts";
import type { CliIo } from "../src/cli/io.ts";
import { LAUNCHD_LABEL } from "../src/platform/service-unit.ts";
import { fakeTools, runCliWith } from "../testing/fake-tools.ts";
import { startHub, tempHome } from "../testing/hub-process.ts";
import { parsePlist, parseUnit, unitValues, unitWords } from "../testing/unit-files.ts";

const BIN = join(import.meta.dir, "..", "src", "cli", "bin.ts");

/** A home, a HOME and an XDG_CONFIG_HOME of its own, and a fake systemctl that does `body`. */
function machine(body = "exit 0") {
  const tools = fakeTools({ systemctl: body });
  const home = tempHome();
  const env = { HOME: tempHome(), XDG_CONFIG_HOME: join(tempHome(), "config dir"), PATH: tools.dir };
  const unit = join(env.XDG_CONFIG_HOME, "systemd", "user", "parachute.service");
  return { tools, home, env, unit };
}

describe("parachute init on Linux (systemd user unit)", () => {
  test("writes the unit (0644) where systemd looks, enables and starts it; again, restarts onto it", async () => {
    const m = machine();
    // npx's own folders, a relative one and a missing one stay out of the unit's PATH.
    const path = `/tmp/x/node_modules/.bin:${m.env.PATH}:bin:/no/such/dir:${m.env.PATH}`;
    const r = await runCliWith(m.home, ["init"], { ...m.env, PORT: "4321", PATH: path });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(statSync(m.unit).mode & 0o777).toBe(0o644);
    const unit = parseUnit(readFileSync(m.unit, "utf8"));
    expect(unitWords(unitValues(unit, "Service", "ExecStart")[0]!, 1)).toEqual([
      process.execPath,
      BIN,
      "serve",
    ]);
    expect(unitValues(unit, "Service", "Environment").map((v) => unitWords(v)[0])).toEqual([
      `PARACHUTE_HOME=${m.home}`,
      "PORT=4321",
      `PATH=${m.tools.dir}`,
    ]);
    expect(m.tools.calls("systemctl")).toEqual([
      ["--user", "daemon-reload"],
      ["--user", "enable", "--now", "parachute.service"],
    ]);
    expect(r.stdout).toContain(`wrote ${m.unit}`);
    expect(r.stdout).toContain("journalctl --user -u parachute.service -f");
    expect(r.stdout).toContain("systemctl --user stop parachute.service");

    const again = await runCliWith(m.home, ["init"], m.env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`updated ${m.unit}`);
    expect(m.tools.calls("systemctl").slice(2)).toEqual([
      ["--user", "daemon-reload"],
      ["--user", "enable", "parachute.service"],
      ["--user", "restart", "parachute.service"],
    ]);
  });

  test("--uninstall stops, disables and removes it; a second time says nothing is installed", async () => {
    const m = machine();
    expect((await runCliWith(m.home, ["init"], m.env)).code).toBe(0);
    const r = await runCliWith(m.home, ["init", "--uninstall"], m.env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(existsSync(m.unit)).toBe(false);
    expect(m.tools.calls("systemctl").slice(2)).toEqual([
      ["--user", "disable", "--now", "parachute.service"],
      ["--user", "daemon-reload"],
    ]);
    expect(r.stdout).toContain(`removed ${m.unit}`);
    const again = await runCliWith(m.home, ["init", "--uninstall"], m.env);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(`no parachute unit is installed (nothing at ${m.unit})`);
    expect(m.tools.calls("systemctl")).toHaveLength(4);
  });

  test("without XDG_CONFIG_HOME the unit goes to ~/.config/systemd/user", async () => {
    const m = machine();
    const { XDG_CONFIG_HOME: _, ...env } = m.env;
    expect((await runCliWith(m.home, ["init"], env)).code).toBe(0);
    expect(existsSync(join(env.HOME, ".config", "systemd", "user", "parachute.service"))).toBe(true);
  });

  test("without systemctl: a clear message, exit 7, nothing written", async () => {
    const m = machine();
    const r = await runCliWith(m.home, ["init"], { ...m.env, PATH: tempHome() });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("systemctl is not on the PATH");
    expect(existsSync(m.unit)).toBe(false);
  });

  test("without a systemd user manager: what to do, exit 7; --uninstall still removes the unit", async () => {
    const m = machine('echo "Failed to connect to bus: No medium found" >&2; exit 1');
    const r = await runCliWith(m.home, ["init"], m.env);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("no systemd user manager runs for this login (Failed to connect to bus");
    expect(r.stderr).toContain("loginctl enable-linger");
    const unit = m.unit;
    expect(existsSync(unit)).toBe(true);
    const removed = await runCliWith(m.home, ["init", "--uninstall"], m.env);
    expect(removed.code, removed.stderr).toBe(0);
    expect(existsSync(unit)).toBe(false);
  });

  test("systemctl failing otherwise is reported with what it said, exit 1", async () => {
    const m = machine('echo "Failed to enable unit: Access denied" >&2; exit 1');
    const r = await runCliWith(m.home, ["init"], m.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "`systemctl --user daemon-reload` failed (exit 1): Failed to enable unit: Access denied",
    );
  });

  test("on Render or Fly, which already run the hub, init refuses", async () => {
    const m = machine();
    for (const env of [{ RENDER: "true" }, { FLY_APP_NAME: "my-hub" }] as Record<string, string>[]) {
      const r = await runCliWith(m.home, ["init"], { ...m.env, ...env });
      expect(r.code).toBe(7);
      expect(r.stderr).toContain("already runs the hub here");
    }
    expect(m.tools.calls("systemctl")).toEqual([]);
    expect(existsSync(m.unit)).toBe(false);
  });

  test("beside a hub already serving the home, the unit is enabled but not started", async () => {
    const m = machine();
    const hub = await startHub(m.home);
    try {
      const r = await runCliWith(m.home, ["init"], m.env);
      expect(r.code).toBe(0);
      expect(m.tools.calls("systemctl")).toEqual([
        ["--user", "daemon-reload"],
        ["--user", "enable", "parachute.service"],
      ]);
      expect(r.stdout).toContain(`a hub (pid ${hub.proc.pid}) already serves ${m.home}`);
    } finally {
      await hub.stop();
    }
  }, 30_000);

  test("a usage error exits 2", async () => {
    const m = machine();
    expect((await runCliWith(m.home, ["init", "now"], m.env)).code).toBe(2);
    expect((await runCliWith(m.home, ["init", "--force"], m.env)).code).toBe(2);
  });
});

/** A CliIo for running one command in this process: output collected, no hub. */
function io(env: Record<string, string>) {
  const out: string[] = [];
  const io: CliIo = {
    print: (t) => out.push(t),
    printErr: (t) => out.push(t),
    env,
    cwd: process.cwd(),
    client: () => {
      throw new Error("init does not call the hub");
    },
    terminal: { tty: false, columns: 80, write: () => {} },
    readSecret: async () => "",
    interrupted: new Promise(() => {}),
  };
  return { io, out };
}

describe("parachute init on macOS (launchd agent), run in process", () => {
  test("writes the agent, bootstraps it into the GUI domain; --uninstall boots it out and removes it", async () => {
    const tools = fakeTools({ launchctl: "exit 0" });
    const env = {
      HOME: join(tempHome(), "Ann & Co"),
      PARACHUTE_HOME: join(tempHome(), "a <home>"),
      PATH: tools.dir,
    };
    const init = initCommand("darwin");
    const plist = join(env.HOME, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);
    const uid = process.getuid!();
    const { io: first, out } = io(env);
    expect(await init([], first)).toBe(0);
    expect(statSync(plist).mode & 0o777).toBe(0o644);
    const agent = parsePlist(readFileSync(plist, "utf8")) as Record<string, unknown>;
    expect(agent.ProgramArguments).toEqual([process.execPath, BIN, "serve"]);
    expect(agent.EnvironmentVariables).toEqual({ PARACHUTE_HOME: env.PARACHUTE_HOME, PATH: tools.dir });
    expect(agent.StandardErrorPath).toBe(join(env.PARACHUTE_HOME, "logs", "hub.stderr.log"));
    expect(existsSync(join(env.PARACHUTE_HOME, "logs"))).toBe(true);
    expect(tools.calls("launchctl")).toEqual([
      ["enable", `gui/${uid}/${LAUNCHD_LABEL}`],
      ["bootstrap", `gui/${uid}`, plist],
    ]);
    expect(out.join("\n")).toContain(`launchctl bootout gui/${uid}/${LAUNCHD_LABEL}`);

    expect(await init(["--uninstall"], io(env).io)).toBe(0);
    expect(existsSync(plist)).toBe(false);
    expect(tools.calls("launchctl").slice(2)).toEqual([["bootout", `gui/${uid}/${LAUNCHD_LABEL}`]]);
  });

  test("a platform with neither systemd nor launchd is told so (exit 7)", async () => {
    const error = await initCommand("win32")([], io({ PATH: tempHome() }).io).catch((e) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(7);
    expect((error as CliError).message).toContain("not win32");
  });
});
