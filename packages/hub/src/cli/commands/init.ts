import { chmodSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname, join } from "node:path";
import { runningHub, writeFileAtomic } from "@parachute/module-kit";
import { ensureHome, type Home, resolveHome } from "../../platform/home.ts";
import { serviceSpec, UnitValueError } from "../../platform/service-spec.ts";
import {
  installCalls,
  LAUNCHD_LABEL,
  managerFor,
  renderUnit,
  type ServiceManager,
  SYSTEMD_UNIT,
  supervisingPlatform,
  type ToolCall,
  uninstallCalls,
  unitPath,
} from "../../platform/service-unit.ts";
import { parseArgs } from "../args.ts";
import { cliName } from "../cli-name.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import type { CliIo, Command } from "../io.ts";
import { findTool, runTool, shown } from "../tools.ts";

/** The script `serve` runs from: this hub's own CLI entry. */
const HUB_BIN = join(import.meta.dir, "..", "bin.ts");

const TOOL: Record<ServiceManager, string> = { systemd: "systemctl", launchd: "launchctl" };

interface Target {
  manager: ServiceManager;
  path: string;
  uid: number;
  home: Home;
}

/**
 * `parachute init [--uninstall]`: installs the hub as a systemd user unit (Linux) or a launchd agent
 * (macOS) that runs `parachute serve` for this PARACHUTE_HOME, and starts it; `--uninstall` stops and
 * removes it. `platform` is `process.platform` in the CLI; tests name another.
 */
export function initCommand(platform: string): Command {
  return async (argv, io) => {
    const args = parseArgs(argv, [], ["--uninstall"]);
    if (args.positional.length) throw new CliError(EXIT.usage, "usage: parachute init [--uninstall]");
    const supervisor = supervisingPlatform(io.env);
    if (supervisor) {
      throw new CliError(
        EXIT.badState,
        `${supervisor} already runs the hub here (it restarts it and starts it at boot); init is for a machine of your own`,
      );
    }
    const manager = managerFor(platform);
    if (!manager) {
      throw new CliError(
        EXIT.badState,
        `only systemd (Linux) and launchd (macOS) are supported, not ${platform}; run \`parachute serve\` under this system's own service manager`,
      );
    }
    const target: Target = {
      manager,
      path: unitPath(manager, io.env),
      uid: process.getuid?.() ?? 0,
      home: resolveHome(io.env),
    };
    const uninstalling = args.flags.has("--uninstall");
    if (uninstalling && !existsSync(target.path)) {
      io.print(`no parachute unit is installed (nothing at ${target.path})`);
      return EXIT.ok;
    }
    const tool = findTool(TOOL[manager], io.env);
    if (!tool) {
      throw new CliError(
        EXIT.badState,
        manager === "systemd"
          ? "systemctl is not on the PATH, so this Linux does not run systemd (a container, or WSL without systemd); run `parachute serve` under its own supervisor instead"
          : "launchctl is not on the PATH; it is part of macOS, so check the PATH (/bin/launchctl)",
      );
    }
    const run = (call: ToolCall) => perform(call, tool, io, uninstalling, target.path);
    return uninstalling ? uninstall(target, run, io) : install(target, run, io);
  };
}

async function install(t: Target, run: (c: ToolCall) => Promise<void>, io: CliIo): Promise<number> {
  const spec = serviceSpec(io.env, { runtime: process.execPath, script: HUB_BIN, home: t.home });
  let text: string;
  try {
    text = renderUnit(t.manager, spec);
  } catch (err) {
    if (err instanceof UnitValueError) throw new CliError(EXIT.badState, err.message);
    throw err;
  }
  const replacing = existsSync(t.path);
  // A hub already serving this home (in a terminal) would make the unit's hub fail and retry.
  const other = replacing ? null : await runningHub(t.home.root);
  ensureHome(t.home);
  mkdirSync(dirname(t.path), { recursive: true });
  writeFileAtomic(t.path, text, 0o644);
  chmodSync(t.path, 0o644);
  io.print(`${replacing ? "updated" : "wrote"} ${t.path}`);
  for (const call of installCalls(t.manager, { path: t.path, uid: t.uid, replacing, start: !other }))
    await run(call);
  const name = cliName(io.env);
  if (t.manager === "systemd") {
    io.print(
      `the hub runs as the systemd user unit ${SYSTEMD_UNIT}, restarted if it fails and started with your session`,
    );
    if (other) {
      io.print(
        `a hub (pid ${other.pid}) already serves ${t.home.root}, so the unit is enabled but not started: stop that hub, then run \`systemctl --user start ${SYSTEMD_UNIT}\``,
      );
    }
    io.print(`  logs:   journalctl --user -u ${SYSTEMD_UNIT} -f   (and ${join(t.home.logs, "hub.log")})`);
    io.print(`  status: systemctl --user status ${SYSTEMD_UNIT}`);
    io.print(`  stop:   systemctl --user stop ${SYSTEMD_UNIT}   (remove it: ${name} init --uninstall)`);
    const user = io.env.USER || io.env.LOGNAME || userInfo().username;
    if (!existsSync(join("/var/lib/systemd/linger", user))) {
      io.print("to start it at boot, before you log in: loginctl enable-linger");
    }
    return EXIT.ok;
  }
  const service = `gui/${t.uid}/${LAUNCHD_LABEL}`;
  io.print(
    `the hub runs as the launchd agent ${LAUNCHD_LABEL}, restarted if it fails and started when you log in`,
  );
  if (other) {
    io.print(
      `a hub (pid ${other.pid}) already serves ${t.home.root}, so the agent is not loaded yet: stop that hub, then run \`launchctl bootstrap gui/${t.uid} ${shown([t.path])}\``,
    );
  }
  io.print(
    `  logs:   ${join(t.home.logs, "hub.log")}   (a failed start: ${join(t.home.logs, "hub.stderr.log")})`,
  );
  io.print(`  status: launchctl print ${service}`);
  io.print(`  stop:   launchctl bootout ${service}   (remove it: ${name} init --uninstall)`);
  return EXIT.ok;
}

async function uninstall(t: Target, run: (c: ToolCall) => Promise<void>, io: CliIo): Promise<number> {
  const { before, after } = uninstallCalls(t.manager, t.uid);
  for (const call of before) await run(call);
  rmSync(t.path, { force: true });
  for (const call of after) await run(call);
  io.print(`removed ${t.path}; the hub no longer starts on its own (its home ${t.home.root} is kept)`);
  return EXIT.ok;
}

/** systemctl's words when no systemd user manager runs for this login (a container, su, a bare ssh). */
const NO_USER_MANAGER = /Failed to connect to bus|No medium found|XDG_RUNTIME_DIR|DBUS_SESSION_BUS_ADDRESS/i;

/**
 * Runs one call with the tool found on the PATH, showing it; a failure the call expects is shown
 * only. Without a systemd user manager nothing can run under one: installing says how to get one,
 * removing goes on (there is nothing to stop).
 */
async function perform(
  call: ToolCall,
  tool: string,
  io: CliIo,
  uninstalling: boolean,
  unitFile: string,
): Promise<void> {
  io.print(`$ ${shown(call.argv)}`);
  const { code, output } = await runTool([tool, ...call.argv.slice(1)], io.env);
  if (code === 0 || call.mayFail) return;
  if (NO_USER_MANAGER.test(output)) {
    if (uninstalling) {
      io.print("(no systemd user manager runs for this login, so nothing runs under it to stop)");
      return;
    }
    throw new CliError(
      EXIT.badState,
      `no systemd user manager runs for this login (${output.trim()}): log in through a normal session (not su or a container), or run \`loginctl enable-linger $USER\` and \`export XDG_RUNTIME_DIR=/run/user/$(id -u)\`, then run init again; ${unitFile} was written (\`${cliName(io.env)} init --uninstall\` removes it)`,
    );
  }
  throw new CliError(
    EXIT.failed,
    `\`${shown(call.argv)}\` failed (exit ${code})${output.trim() ? `: ${output.trim()}` : ""}`,
  );
}
