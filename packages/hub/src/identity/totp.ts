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
  if (!/^\d{6}$/.test(code)) return false;
  return make(secret).validate({ token: code, timestamp: now, window: 1 }) !== null;
}

/** The current code (for tests and enrolment checks). */
export function currentTotp(secret: string, now: number): string {
  return make(secret).generate({ timestamp: now });
}
