/**
 * The hub's public origin (PRODUCT §14): PARACHUTE_HUB_ORIGIN, else Render's external URL, else the
 * Fly app's URL, else null (the request's own origin is used, and loopback for modules).
 */
export function configuredOrigin(env: Record<string, string | undefined>): string | null {
  const raw =
    env.PARACHUTE_HUB_ORIGIN ||
    env.RENDER_EXTERNAL_URL ||
    (env.FLY_APP_NAME ? `https://${env.FLY_APP_NAME}.fly.dev` : "");
  return raw ? raw.replace(/\/+$/, "") : null;
}
