import type { Database } from "bun:sqlite";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { HubError } from "../errors.ts";

const KEY = "setup_token";
/** The shortest `PARACHUTE_SETUP_TOKEN` accepted: anything shorter is guessable. */
const MIN_SETUP_TOKEN = 16;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** 130 random bits as 26 lower-case letters and digits: a double-click selects it whole. */
function newToken(): string {
  const bytes = randomBytes(26);
  return [...bytes].map((b) => BASE32[b & 31]).join("");
}

/**
 * The one-time token that guards first-boot setup: `PARACHUTE_SETUP_TOKEN` when set, else one made
 * at first boot and kept in hub.db until an admin exists.
 */
export class SetupToken {
  private readonly fromEnv: string | undefined;

  /** An empty `PARACHUTE_SETUP_TOKEN` (a platform's prompt left blank) counts as unset. */
  constructor(
    private readonly db: Database,
    fromEnv: string | undefined,
  ) {
    this.fromEnv = fromEnv?.trim() ? fromEnv : undefined;
    if (this.fromEnv !== undefined && this.fromEnv.trim().length < MIN_SETUP_TOKEN) {
      throw new HubError(
        "unusable",
        "weak_setup_token",
        `PARACHUTE_SETUP_TOKEN is shorter than ${MIN_SETUP_TOKEN} characters; choose a longer one (e.g. \`openssl rand -hex 16\`)`,
      );
    }
  }

  /** The token to print, creating it if needed; null once setup is done. */
  current(adminExists: boolean): string | null {
    if (adminExists) return null;
    if (this.fromEnv) return this.fromEnv;
    const row = this.db.query("SELECT value FROM settings WHERE key = ?").get(KEY) as {
      value: string;
    } | null;
    if (row) return row.value;
    const token = newToken();
    this.db.query("INSERT INTO settings (key, value) VALUES (?, ?)").run(KEY, token);
    return token;
  }

  matches(presented: string, adminExists: boolean): boolean {
    const expected = this.current(adminExists);
    if (!expected) return false;
    const a = createHash("sha256").update(presented).digest();
    const b = createHash("sha256").update(expected).digest();
    return timingSafeEqual(a, b);
  }

  consume(): void {
    this.db.query("DELETE FROM settings WHERE key = ?").run(KEY);
  }
}
