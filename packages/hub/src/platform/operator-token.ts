import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, readFileSync, statSync } from "node:fs";
import { writeFileAtomic } from "@parachute/module-kit";

/** Reads the operator token, creating it (mode 0600) on first use; a readable-by-others file is tightened. */
export function ensureOperatorToken(path: string): string {
  if (existsSync(path)) {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    const token = readFileSync(path, "utf8").trim();
    if (token.length >= 32) return token;
  }
  const token = `pop_${randomBytes(32).toString("base64url")}`;
  writeFileAtomic(path, `${token}\n`, 0o600);
  return token;
}

/** Constant-time comparison of a presented bearer token with the expected one. */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}
