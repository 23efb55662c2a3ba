import { existsSync } from "node:fs";
import { runningHub } from "@parachute/module-kit";
import {
  type ExposeMode,
  isQuickTunnel,
  readExposure,
  removeExposure,
  writeExposure,
} from "../../platform/exposure.ts";
import { ensureHome, type Home, resolveHome } from "../../platform/home.ts";
import { configuredOrigin } from "../../platform/origin.ts";
import { managerFor, restartCommand, unitPath } from "../../platform/service-unit.ts";
import { parseArgs } from "../args.ts";
import { cliName } from "../cli-name.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import type { CliIo, Command } from "../io.ts";
import { publish, publishers, unpublish } from "../publish.ts";

const USAGE = "usage: parachute expose tailnet|public [off]";
const WHERE: Record<ExposeMode, string> = { tailnet: "your tailnet", public: "the internet" };

/**
 * `parachute expose tailnet|public [off]`: publishes the local hub over HTTPS — on the tailnet with
 * `tailscale serve`, on the internet with `tailscale funnel` or else a cloudflared quick tunnel — and
 * stores the origin it got in the home, where the hub takes it as its own at its next start.
 */
export const expose: Command = async (argv, io) => {
  const { positional } = parseArgs(argv, [], []);
  const [mode, off, ...extra] = positional;
  if ((mode !== "tailnet" && mode !== "public") || (off !== undefined && off !== "off") || extra.length) {
    throw new CliError(EXIT.usage, USAGE);
  }
  const home = resolveHome(io.env);
  const changed = off ? await turnOff(mode, home, io) : await turnOn(mode, home, io);
  if (changed) await askRestart(home, io);
  return EXIT.ok;
};

async function turnOn(mode: ExposeMode, home: Home, io: CliIo): Promise<boolean> {
  const fixed = configuredOrigin(io.env);
  if (fixed) {
    const from = ["PARACHUTE_HUB_ORIGIN", "RENDER_EXTERNAL_URL", "FLY_APP_NAME"].find((k) => io.env[k]);
    io.print(`the hub's origin is already ${fixed} (from ${from}); nothing to expose`);
    return false;
  }
  const previous = readExposure(home.root);
  if (previous?.mode === mode && previous.tool === "cloudflared" && isQuickTunnel(previous.pid!)) {
    io.print(`the hub is already on ${WHERE[mode]} at ${previous.origin} (cloudflared, pid ${previous.pid})`);
    return false;
  }
  // Everything that can be refused is, before the current exposure is undone.
  const tools = publishers(mode, io.env);
  const port = (await runningHub(home.root))?.port ?? Number(io.env.PORT || 1939);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CliError(EXIT.usage, `PORT "${io.env.PORT}" is not a port`);
  }
  if (previous && previous.mode !== mode) {
    io.print(`turning off the ${previous.mode} exposure first`);
    await unpublish(previous, io);
    removeExposure(home.root);
  }
  ensureHome(home);
  const exposure = await publish(mode, tools, port, home, io);
  writeExposure(home.root, exposure);
  io.print(
    `the hub is on ${WHERE[mode]} at ${exposure.origin} (${exposure.tool}, forwarding to port ${port})`,
  );
  return true;
}

async function turnOff(mode: ExposeMode, home: Home, io: CliIo): Promise<boolean> {
  const exposure = readExposure(home.root);
  if (exposure?.mode !== mode) {
    const other = exposure ? ` (it is on ${WHERE[exposure.mode]})` : "";
    io.print(`the hub is not exposed on ${WHERE[mode]}${other}`);
    return false;
  }
  await unpublish(exposure, io);
  removeExposure(home.root);
  io.print(`the hub is no longer exposed at ${exposure.origin}`);
  return true;
}

/**
 * The hub takes its origin when it starts (modules get it, tokens carry it) and its API cannot
 * restart the hub itself: a running hub is named, with the command that restarts it.
 */
async function askRestart(home: Home, io: CliIo): Promise<void> {
  const hub = await runningHub(home.root);
  if (!hub) {
    io.print(`the hub picks this up when it next starts (\`${cliName(io.env)} serve\`)`);
    return;
  }
  const manager = managerFor(process.platform);
  const how =
    manager && existsSync(unitPath(manager, io.env))
      ? `run \`${restartCommand(manager, process.getuid?.() ?? 0)}\``
      : `stop \`${cliName(io.env)} serve\` (Ctrl-C) and start it again`;
  io.print(
    `the hub (pid ${hub.pid}) runs with the origin it started with, ${hub.origin}; to apply this, ${how}`,
  );
}
