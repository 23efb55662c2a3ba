import type { ExposeMode } from "./exposure.ts";

/**
 * The command lines `parachute expose` runs, and how it reads their answers (Tailscale ≥ 1.52 serve and
 * funnel CLI; cloudflared quick tunnels). Pure, so the exact arguments are tested without the tools.
 */

const local = (port: number) => `http://127.0.0.1:${port}`;
const verb = (mode: ExposeMode) => (mode === "tailnet" ? "serve" : "funnel");

/** HTTPS on 443 of this machine's tailnet name (serve) or its public name (funnel), kept in the background. */
export function tailscaleOn(mode: ExposeMode, port: number): string[] {
  return ["tailscale", verb(mode), "--bg", "--https=443", local(port)];
}

/** Removes only the 443 handler `tailscaleOn` added; other serve settings of the machine stay. */
export function tailscaleOff(mode: ExposeMode): string[] {
  return ["tailscale", verb(mode), "--https=443", "off"];
}

export const TAILSCALE_STATUS = ["tailscale", "status", "--json"];

export interface TailscaleSelf {
  /** `Running` when connected; `NeedsLogin`, `Stopped`, … otherwise. */
  state: string;
  /** `https://<machine>.<tailnet>.ts.net`, when connected with a MagicDNS name. */
  origin: string | null;
}

/** This machine's state and https origin from `tailscale status --json` (`BackendState`, `Self.DNSName`). */
export function tailscaleSelf(json: string): TailscaleSelf {
  let status: { BackendState?: unknown; Self?: { DNSName?: unknown } };
  try {
    status = JSON.parse(json);
  } catch {
    return { state: "unreadable status", origin: null };
  }
  const state = typeof status.BackendState === "string" ? status.BackendState : "unknown";
  const name = typeof status.Self?.DNSName === "string" ? status.Self.DNSName.replace(/\.$/, "") : "";
  const origin = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(name) ? `https://${name.toLowerCase()}` : null;
  return { state, origin: state === "Running" ? origin : null };
}

/** A quick tunnel (no account, a random trycloudflare.com name) to the hub's port. */
export function quickTunnel(port: number): string[] {
  return ["cloudflared", "tunnel", "--no-autoupdate", "--url", local(port)];
}

/** The public URL cloudflared prints once a quick tunnel is up, or null until it has. */
export function quickTunnelOrigin(output: string): string | null {
  for (const m of output.matchAll(/https:\/\/([a-z0-9-]+)\.trycloudflare\.com/gi)) {
    // Its API's address shows up in errors (`Post "https://api.trycloudflare.com/tunnel"`).
    if (m[1]!.toLowerCase() !== "api") return m[0].toLowerCase();
  }
  return null;
}
