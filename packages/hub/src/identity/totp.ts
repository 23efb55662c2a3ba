import { Secret, TOTP } from "otpauth";

const make = (secret: string, label = "admin") =>
  new TOTP({
    issuer: "Parachute",
    label,
    algorithm: "SHA1",
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(secret),
  });

/** A new random base32 TOTP secret. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app scans. */
export function totpUri(secret: string, username: string): string {
  return make(secret, username).toString();
}

/** True when `code` is valid for `secret` at `now` (±1 period of clock drift). */
export function verifyTotp(secret: string, code: string, now: number): boolean {
  return totpStep(secret, code, now) !== null;
}

/** The 30-second time step a valid code belongs to, or null; lets a caller refuse a replayed code. */
export function totpStep(secret: string, code: string, now: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = make(secret).validate({ token: code, timestamp: now, window: 1 });
  return delta === null ? null : Math.floor(now / 30_000) + delta;
}

/** The current code (for tests and enrolment checks). */
export function currentTotp(secret: string, now: number): string {
  return make(secret).generate({ timestamp: now });
}
