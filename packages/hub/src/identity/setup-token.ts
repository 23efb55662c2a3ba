import type { Database } from "bun:sqlite";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const KEY = "setup_token";

/**
 * The one-time token that guards first-boot setup: `PARACHUTE_SETUP_TOKEN` when set, else one made
 * at first boot and kept in hub.db until an admin exists.
 */
export class SetupToken {
  constructor(
    private readonly db: Database,
    private readonly fromEnv: string | undefined,
  ) {}

  /** The token to print, creating it if needed; null once setup is done. */
  current(adminExists: boolean): string | null {
    if (adminExists) return null;
    if (this.fromEnv) return this.fromEnv;
    const row = this.db.query("SELECT value FROM settings WHERE key = ?").get(KEY) as {
      value: string;
    } | null;
    if (row) return row.value;
    const token = randomBytes(18).toString("base64url");
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
