import type { Database } from "bun:sqlite";
import { createHash, randomBytes } from "node:crypto";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const random = () => randomBytes(32).toString("base64url");

export interface Client {
  clientId: string;
  name: string;
  redirectUris: string[];
}

export interface CodeGrant {
  clientId: string;
  userId: number;
  redirectUri: string;
  scope: string;
  resource: string | null;
  challenge: string;
}

export interface RefreshGrant {
  family: string;
  clientId: string;
  userId: number;
  scope: string;
  resource: string | null;
}

/** Registrations are bounded (docs/product.md): these many apps at most, so many per address an hour. */
const REGISTRATION_LIMITS = { clients: 1_000, perAddressPerHour: 20, unusedForgottenAfterMs: 24 * 3600_000 };

const CODE_TTL_MS = 60_000;
const REFRESH_TTL_MS = 30 * 24 * 3600_000;

/** OAuth clients, authorization codes and refresh-token families in hub.db; secrets stored hashed. */
export class OAuthStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  /**
   * Registers a public client. Registrations never used for an authorization are forgotten after a
   * day, and the oldest of them makes room when the hub holds as many apps as it keeps; past the limit
   * from one address in an hour (or with every kept app in use) a registration is refused with the
   * seconds after which one may succeed.
   */
  registerClient(name: string, redirectUris: string[], from: string): Client | { retryAfterS: number } {
    const t = this.now();
    const limits = REGISTRATION_LIMITS;
    this.db
      .query("DELETE FROM oauth_clients WHERE used_at IS NULL AND created_at < ?")
      .run(t - limits.unusedForgottenAfterMs);
    const recent = this.db
      .query(
        "SELECT count(*) AS n, min(created_at) AS first FROM oauth_clients WHERE registered_from = ? AND created_at > ?",
      )
      .get(from, t - 3600_000) as { n: number; first: number | null };
    if (recent.n >= limits.perAddressPerHour)
      return { retryAfterS: Math.max(1, Math.ceil((recent.first! + 3600_000 - t) / 1000)) };
    const { n } = this.db.query("SELECT count(*) AS n FROM oauth_clients WHERE revoked_at IS NULL").get() as {
      n: number;
    };
    if (n >= limits.clients) {
      // Full: the oldest registration never used for an authorization makes room; apps in use stay.
      const evicted = this.db
        .query(
          "DELETE FROM oauth_clients WHERE client_id = (SELECT client_id FROM oauth_clients WHERE used_at IS NULL AND revoked_at IS NULL ORDER BY created_at LIMIT 1)",
        )
        .run().changes;
      if (evicted === 0) return { retryAfterS: 3600 };
    }
    const clientId = `client_${randomBytes(16).toString("hex")}`;
    this.db
      .query(
        "INSERT INTO oauth_clients (client_id, name, redirect_uris, created_at, registered_from) VALUES (?, ?, ?, ?, ?)",
      )
      .run(clientId, name, JSON.stringify(redirectUris), t, from);
    return { clientId, name, redirectUris };
  }

  client(clientId: string): Client | null {
    const r = this.db
      .query("SELECT * FROM oauth_clients WHERE client_id = ? AND revoked_at IS NULL")
      .get(clientId) as { client_id: string; name: string; redirect_uris: string } | null;
    return r ? { clientId: r.client_id, name: r.name, redirectUris: JSON.parse(r.redirect_uris) } : null;
  }

  /** Every registered app, with whether it was ever allowed (holds a grant that is not revoked). */
  clients(): (Client & { createdAt: number; allowed: boolean })[] {
    const rows = this.db
      .query(
        `SELECT c.*, EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.client_id = c.client_id AND r.revoked_at IS NULL) AS allowed
           FROM oauth_clients c WHERE c.revoked_at IS NULL ORDER BY c.created_at`,
      )
      .all() as {
      client_id: string;
      name: string;
      redirect_uris: string;
      created_at: number;
      allowed: number;
    }[];
    return rows.map((r) => ({
      clientId: r.client_id,
      name: r.name,
      redirectUris: JSON.parse(r.redirect_uris),
      createdAt: r.created_at,
      allowed: r.allowed === 1,
    }));
  }

  /** The refresh families (grants) an app holds, so their access tokens can be revoked with them. */
  familiesOf(clientId: string): string[] {
    return (
      this.db.query("SELECT DISTINCT family FROM refresh_tokens WHERE client_id = ?").all(clientId) as {
        family: string;
      }[]
    ).map((r) => r.family);
  }

  /** Disconnects an app: the client and every refresh family it holds. */
  revokeClient(clientId: string): boolean {
    const t = this.now();
    this.db
      .query("UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE client_id = ?")
      .run(t, clientId);
    return (
      this.db
        .query("UPDATE oauth_clients SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL")
        .run(t, clientId).changes === 1
    );
  }

  issueCode(g: CodeGrant): string {
    const code = random();
    // Spent and expired codes are kept a day (to recognise a replay), then forgotten.
    this.db.query("DELETE FROM oauth_codes WHERE expires_at < ?").run(this.now() - 24 * 3600_000);
    this.db.query("UPDATE oauth_clients SET used_at = ? WHERE client_id = ?").run(this.now(), g.clientId);
    this.db
      .query(
        "INSERT INTO oauth_codes (code_hash, client_id, user_id, redirect_uri, scope, resource, challenge, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        sha256(code),
        g.clientId,
        g.userId,
        g.redirectUri,
        g.scope,
        g.resource,
        g.challenge,
        this.now() + CODE_TTL_MS,
      );
    return code;
  }

  /**
   * Spends a code, in one transaction: when `refuse` finds nothing wrong with its grant (client,
   * redirect address, PKCE verifier — checked first, so a wrong verifier does not burn the code), the
   * code is marked spent and a refresh family started and recorded on it. A code spent before answers
   * `reused` with that family (a replay: whatever it led to must end); unknown or expired, null.
   */
  redeemCode(
    code: string,
    refuse: (grant: CodeGrant) => string | null,
  ):
    | { grant: CodeGrant; refresh: { token: string; family: string } }
    | { reused: string | null }
    | { refused: string }
    | null {
    const t = this.now();
    const h = sha256(code);
    return this.db.transaction(() => {
      const r = this.db.query("SELECT * FROM oauth_codes WHERE code_hash = ?").get(h) as Record<
        string,
        unknown
      > | null;
      if (!r) return null;
      if (r.used_at !== null) return { reused: (r.family as string | null) ?? null };
      if ((r.expires_at as number) <= t) return null;
      const grant: CodeGrant = {
        clientId: r.client_id as string,
        userId: r.user_id as number,
        redirectUri: r.redirect_uri as string,
        scope: r.scope as string,
        resource: (r.resource as string | null) ?? null,
        challenge: r.challenge as string,
      };
      const why = refuse(grant);
      if (why) return { refused: why };
      const refresh = this.issueRefresh(grant);
      this.db
        .query("UPDATE oauth_codes SET used_at = ?, family = ? WHERE code_hash = ?")
        .run(t, refresh.family, h);
      return { grant, refresh };
    })();
  }

  /** A new refresh token, in `family` or in a new one. */
  issueRefresh(g: Omit<RefreshGrant, "family"> & { family?: string }): { token: string; family: string } {
    const token = random();
    const family = g.family ?? randomBytes(16).toString("hex");
    this.db
      .query(
        "INSERT INTO refresh_tokens (token_hash, family, client_id, user_id, scope, resource, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      )
      .run(sha256(token), family, g.clientId, g.userId, g.scope, g.resource, this.now() + REFRESH_TTL_MS);
    return { token, family };
  }

  /**
   * Rotates a refresh token. A token presented a second time is a sign of theft: its whole family is
   * revoked and `reused` is reported.
   */
  useRefresh(token: string): { grant: RefreshGrant } | { reused: string } | null {
    const t = this.now();
    const r = this.db.query("SELECT * FROM refresh_tokens WHERE token_hash = ?").get(sha256(token)) as Record<
      string,
      unknown
    > | null;
    if (!r || (r.expires_at as number) <= t || r.revoked_at !== null) return null;
    const family = r.family as string;
    if (r.used_at !== null) {
      this.revokeFamily(family);
      return { reused: family };
    }
    this.db.query("UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?").run(t, sha256(token));
    return {
      grant: {
        family,
        clientId: r.client_id as string,
        userId: r.user_id as number,
        scope: r.scope as string,
        resource: (r.resource as string | null) ?? null,
      },
    };
  }

  revokeFamily(family: string): void {
    this.db
      .query("UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE family = ?")
      .run(this.now(), family);
  }

  familyOf(token: string): string | null {
    const r = this.db.query("SELECT family FROM refresh_tokens WHERE token_hash = ?").get(sha256(token)) as {
      family: string;
    } | null;
    return r?.family ?? null;
  }
}
