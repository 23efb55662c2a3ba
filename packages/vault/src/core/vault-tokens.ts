import type { Database } from "bun:sqlite";
import { createHash, randomBytes } from "node:crypto";
import { invalid, VaultError } from "./errors.ts";

export type Verb = "read" | "write" | "admin";
const RANK: Record<Verb, number> = { read: 1, write: 2, admin: 3 };
export const TOKEN_PREFIX = "pvt_";
const MAX_TTL_MS = 365 * 24 * 3600_000;

export interface VaultToken {
  id: string;
  verb: Verb;
  label: string | null;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

const hash = (token: string) => createHash("sha256").update(token).digest("hex");

/**
 * Vault-local API tokens for headless use: random, shown once, stored as SHA-256 hashes, each with a
 * verb (`admin` ⊇ `write` ⊇ `read`) over this vault and an expiry.
 */
export class VaultTokens {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  create(verb: string, ttlMs: number, label?: string): { token: string; info: VaultToken } {
    if (!(verb in RANK)) throw invalid("invalid_scope", 'scope must be "read", "write" or "admin"');
    if (!Number.isInteger(ttlMs) || ttlMs < 1000 || ttlMs > MAX_TTL_MS)
      throw invalid("invalid_ttl", "ttl must be between 1 s and 365 d");
    if (label !== undefined && (typeof label !== "string" || label.length > 200))
      throw invalid("invalid_label", "label is too long");
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
    const id = Bun.randomUUIDv7();
    const t = this.now();
    this.db
      .query(
        "INSERT INTO vault_tokens (id, token_hash, verb, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
      )
      .run(
        id,
        hash(token),
        verb,
        label ?? null,
        new Date(t).toISOString(),
        new Date(t + ttlMs).toISOString(),
      );
    return { token, info: this.get(id) };
  }

  list(): VaultToken[] {
    return this.db
      .query(
        "SELECT id, verb, label, created_at, expires_at, revoked_at FROM vault_tokens ORDER BY created_at DESC",
      )
      .all() as VaultToken[];
  }

  revoke(id: string): void {
    const t = new Date(this.now()).toISOString();
    if (
      this.db.query("UPDATE vault_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?").run(t, id)
        .changes === 0
    ) {
      throw new VaultError("not_found", "not_found", `no token ${id}`);
    }
  }

  /** The right `token` gives here, or null when it is unknown, expired or revoked. */
  verbOf(token: string): Verb | null {
    const row = this.db
      .query("SELECT verb, expires_at, revoked_at FROM vault_tokens WHERE token_hash = ?")
      .get(hash(token)) as { verb: Verb; expires_at: string; revoked_at: string | null } | null;
    if (!row || row.revoked_at || Date.parse(row.expires_at) <= this.now()) return null;
    return row.verb;
  }

  /** True when `token` is live here and allows `verb`. */
  allows(token: string, verb: Verb): boolean {
    const has = this.verbOf(token);
    return has !== null && RANK[has] >= RANK[verb];
  }

  private get(id: string): VaultToken {
    return this.db
      .query("SELECT id, verb, label, created_at, expires_at, revoked_at FROM vault_tokens WHERE id = ?")
      .get(id) as VaultToken;
  }
}
