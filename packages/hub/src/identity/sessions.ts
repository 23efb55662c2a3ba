import type { Database } from "bun:sqlite";
import { createHash, randomBytes } from "node:crypto";

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  idleMs: 7 * 24 * 3600_000,
  absoluteMs: 30 * 24 * 3600_000,
};

export interface Session {
  userId: number;
  csrf: string;
  expiresAt: number;
}

const hash = (id: string) => createHash("sha256").update(id).digest("hex");

/**
 * Browser sessions: 256-bit random ids (only their hashes are stored), a CSRF token each, rolling
 * expiry on use and an absolute cap from creation.
 */
export class Sessions {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
    private readonly policy: SessionPolicy = DEFAULT_SESSION_POLICY,
  ) {}

  create(userId: number): { id: string; csrf: string; expiresAt: number } {
    const id = randomBytes(32).toString("base64url");
    const csrf = randomBytes(24).toString("base64url");
    const t = this.now();
    const expiresAt = t + this.policy.idleMs;
    this.db
      .query(
        "INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at, absolute_expires_at) VALUES (?, ?, ?, ?, ?, ?)",
      )
      .run(hash(id), userId, csrf, t, expiresAt, t + this.policy.absoluteMs);
    return { id, csrf, expiresAt };
  }

  /** The live session for an id, its idle expiry pushed forward; null when unknown or expired. */
  touch(id: string): Session | null {
    const t = this.now();
    const row = this.db
      .query("SELECT user_id, csrf, expires_at, absolute_expires_at FROM sessions WHERE id_hash = ?")
      .get(hash(id)) as {
      user_id: number;
      csrf: string;
      expires_at: number;
      absolute_expires_at: number;
    } | null;
    if (!row) return null;
    if (row.expires_at <= t || row.absolute_expires_at <= t) {
      this.destroy(id);
      return null;
    }
    const expiresAt = Math.min(t + this.policy.idleMs, row.absolute_expires_at);
    if (expiresAt - row.expires_at > 60_000) {
      this.db.query("UPDATE sessions SET expires_at = ? WHERE id_hash = ?").run(expiresAt, hash(id));
    }
    return { userId: row.user_id, csrf: row.csrf, expiresAt };
  }

  destroy(id: string): void {
    this.db.query("DELETE FROM sessions WHERE id_hash = ?").run(hash(id));
  }

  destroyAllFor(userId: number): void {
    this.db.query("DELETE FROM sessions WHERE user_id = ?").run(userId);
  }
}
