/**
 * The hub's public origin (docs/product.md): PARACHUTE_HUB_ORIGIN, else Render's external URL, else the
 * Fly app's URL, else null (the request's own origin is used, and loopback for modules).
 */
export function configuredOrigin(env: Record<string, string | undefined>): string | null {
  const raw =
    env.PARACHUTE_HUB_ORIGIN ||
    env.RENDER_EXTERNAL_URL ||
    (env.FLY_APP_NAME ? `https://${env.FLY_APP_NAME}.fly.dev` : "");
  return raw ? raw.replace(/\/+$/, "") : null;
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
