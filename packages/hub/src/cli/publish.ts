import { join } from "node:path";
import {
  TAILSCALE_STATUS,
  type TailscaleSelf,
  tailscaleOff,
  tailscaleOn,
  tailscaleSelf,
} from "../platform/expose-tools.ts";
import type { ExposeMode, Exposure } from "../platform/exposure.ts";
import type { Home } from "../platform/home.ts";
import { CliError, EXIT } from "./exit-codes.ts";
import type { CliIo } from "./io.ts";
import { startQuickTunnel, stopQuickTunnel } from "./quick-tunnel.ts";
import { findTool, runTool, shown } from "./tools.ts";

const TAILSCALE_URL = "https://tailscale.com/download";
const CLOUDFLARED_URL =
  "https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads/";

/** The publishing tools found on the PATH. */
export interface Publishers {
  tailscale: string | null;
  cloudflared: string | null;
}

/** The tools `mode` can use; none of them installed is an error that says what to install. */
export function publishers(mode: ExposeMode, env: Record<string, string | undefined>): Publishers {
  const found = { tailscale: findTool("tailscale", env), cloudflared: findTool("cloudflared", env) };
  if (mode === "tailnet" && !found.tailscale) {
    throw new CliError(EXIT.badState, `tailnet needs tailscale, which is not installed: ${TAILSCALE_URL}`);
  }
  if (mode === "public" && !found.tailscale && !found.cloudflared) {
    throw new CliError(
      EXIT.badState,
      `public needs tailscale (Funnel: ${TAILSCALE_URL}) or cloudflared (a quick tunnel: ${CLOUDFLARED_URL}); neither is installed`,
    );
  }
  return found;
}

/**
 * Publishes the hub's port: `tailscale serve` (tailnet), or `tailscale funnel` when tailscale is
 * connected, else a cloudflared quick tunnel (public). Returns what to store.
 */
export async function publish(
  mode: ExposeMode,
  tools: Publishers,
  port: number,
  home: Home,
  io: CliIo,
): Promise<Exposure> {
  const self = tools.tailscale ? await tailscaleStatus(tools.tailscale, io) : null;
  if (tools.tailscale && self && (self.origin || mode === "tailnet" || !tools.cloudflared)) {
    return viaTailscale(mode, tools.tailscale, self, port, io);
  }
  if (self) io.printErr(`tailscale is not connected (${self.state}); using a cloudflared quick tunnel`);
  const log = join(home.logs, "cloudflared.log");
  const { pid, origin } = await startQuickTunnel(tools.cloudflared!, port, io.env, log);
  io.printErr(
    "a quick tunnel gets a new address each time it starts and ends at a reboot; for a fixed name run a named tunnel and set PARACHUTE_HUB_ORIGIN",
  );
  return { mode: "public", origin, tool: "cloudflared", port, pid };
}

/** Undoes a stored exposure: stops its quick tunnel, or removes the tailscale handler it added. */
export async function unpublish(exposure: Exposure, io: CliIo): Promise<void> {
  if (exposure.tool === "cloudflared") {
    if (!(await stopQuickTunnel(exposure.pid!))) {
      io.printErr(`cloudflared (pid ${exposure.pid}) had already stopped`);
    }
    return;
  }
  const bin = findTool("tailscale", io.env);
  const argv = tailscaleOff(exposure.mode);
  const { code, output } = bin
    ? await runTool([bin, ...argv.slice(1)], io.env)
    : { code: -1, output: "tailscale is not installed" };
  if (code !== 0) {
    io.printErr(
      `\`${shown(argv)}\` did not succeed (${output.trim() || `exit ${code}`}); the stored origin is removed anyway`,
    );
  }
}

/** This machine's tailscale state; a daemon that does not answer is an error. */
async function tailscaleStatus(bin: string, io: CliIo): Promise<TailscaleSelf> {
  const { code, output } = await runTool([bin, ...TAILSCALE_STATUS.slice(1)], io.env);
  if (code !== 0) {
    throw new CliError(
      EXIT.badState,
      `\`${shown(TAILSCALE_STATUS)}\` failed (exit ${code}): ${output.trim()}`,
    );
  }
  return tailscaleSelf(output);
}

async function viaTailscale(
  mode: ExposeMode,
  bin: string,
  self: TailscaleSelf,
  port: number,
  io: CliIo,
): Promise<Exposure> {
  if (!self.origin) {
    throw new CliError(
      EXIT.badState,
      `tailscale is not connected (${self.state}): run \`tailscale up\`, then try again`,
    );
  }
  const argv = tailscaleOn(mode, port);
  // Tailscale may print a link to enable HTTPS or Funnel for the tailnet, and wait until it is.
  const { code, output } = await runTool([bin, ...argv.slice(1)], io.env, io.printErr, io.interrupted);
  if (code !== 0) {
    const denied = /access denied/i.test(output)
      ? "; let your user drive tailscale once with `sudo tailscale set --operator=$USER`"
      : "";
    throw new CliError(EXIT.failed, `\`${shown(argv)}\` failed (exit ${code})${denied}`);
  }
  return { mode, origin: self.origin, tool: "tailscale", port };
}
