import { exposedOrigin } from "./exposure.ts";

/**
 * The hub's public origin (docs/product.md): PARACHUTE_HUB_ORIGIN, else Render's external URL, else the
 * Fly app's URL, else — given the home — the origin `parachute expose` published (`expose.json`), else
 * null (the request's own origin is used, and loopback for modules).
 */
export function configuredOrigin(env: Record<string, string | undefined>, home?: string): string | null {
  const raw =
    env.PARACHUTE_HUB_ORIGIN ||
    env.RENDER_EXTERNAL_URL ||
    (env.FLY_APP_NAME ? `https://${env.FLY_APP_NAME}.fly.dev` : "") ||
    (home ? exposedOrigin(home) : "");
  return raw ? raw.replace(/\/+$/, "") : null;
}

/**
 * The address the hub listens on: `PARACHUTE_BIND_HOST` when set; every interface on a platform that
 * routes its public URL to the container's `PORT` (Render, Fly); loopback everywhere else, so a
 * laptop's hub is never reachable from the network unless asked.
 */
export function bindHost(env: Record<string, string | undefined>): string {
  if (env.PARACHUTE_BIND_HOST) return env.PARACHUTE_BIND_HOST;
  const platform = Boolean(env.RENDER || env.RENDER_EXTERNAL_URL || env.FLY_APP_NAME);
  return platform && env.PORT ? "0.0.0.0" : "127.0.0.1";
}

/** How the hub sees itself from outside: its public origin and whether it is served over https. */
export interface Site {
  origin(req: Request): string;
  secure(req: Request): boolean;
}

export function makeSite(configured: string | null): Site {
  const origin = (req: Request) => configured ?? new URL(req.url).origin;
  return { origin, secure: (req) => origin(req).startsWith("https:") };
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Whether an `Origin` is one of the hub's own pages for this request: its public origin, or — for a
 * request made to a loopback name (the hub opened on its own machine while a public origin is set) —
 * that loopback origin itself, which no other site's page can have.
 */
export function isOwnOrigin(from: string | null, req: Request, publicOrigin: string): boolean {
  if (from === null) return false;
  if (from === publicOrigin) return true;
  const own = new URL(req.url);
  return LOOPBACK_NAMES.has(own.hostname) && from === own.origin;
}
