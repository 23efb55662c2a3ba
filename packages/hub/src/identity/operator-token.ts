import { chmodSync, existsSync, readFileSync, statSync } from "node:fs";
import { writeFileAtomic } from "@parachute/module-kit";
import { decodeJwt } from "jose";
import type { TokenIssuer } from "./issuer.ts";

const LIFETIME_S = 30 * 24 * 3600;
const RENEW_BEFORE_S = 7 * 24 * 3600;

/**
 * Keeps `operator.token` (mode 0600) holding a valid `hub:admin` token for the CLI: issued at first
 * serve, and replaced (the old one revoked) once it is invalid or within a week of expiry.
 */
export async function ensureOperatorToken(
  path: string,
  issuer: TokenIssuer,
  now: () => number,
): Promise<string> {
  if (existsSync(path)) {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    const current = readFileSync(path, "utf8").trim();
    try {
      await issuer.verifyForHub(current, "hub:admin");
      const exp = decodeJwt(current).exp ?? 0;
      if (exp - now() / 1000 > RENEW_BEFORE_S) return current;
      issuer.revoke(String(decodeJwt(current).jti));
    } catch {
      // Unreadable, foreign or revoked: replaced below.
    }
  }
  const { token } = await issuer.issue({
    sub: "operator",
    aud: "hub",
    scope: "hub:admin",
    ttlS: LIFETIME_S,
    kind: "operator",
    label: "operator.token",
  });
  writeFileAtomic(path, `${token}\n`, 0o600);
  return token;
}
