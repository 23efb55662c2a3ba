import { readFileSync } from "node:fs";

/**
 * The token the hub minted for this module's `needs` (manifest), read afresh on every call: the hub
 * renews the file while the module runs. Null when there is none, or it has expired.
 */
export function serviceToken(
  env: Record<string, string | undefined> = process.env,
  now = Date.now(),
): string | null {
  const file = env.PARACHUTE_SERVICE_TOKEN_FILE;
  if (!file) return null;
  try {
    const { token, exp } = JSON.parse(readFileSync(file, "utf8")) as { token?: unknown; exp?: unknown };
    return typeof token === "string" && typeof exp === "number" && exp * 1000 > now ? token : null;
  } catch {
    return null;
  }
}
