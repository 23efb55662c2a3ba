import type { Database } from "bun:sqlite";
import { randomUUID } from "node:crypto";
import { scopeAllows } from "@parachute/module-kit";
import {
  createLocalJWKSet,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from "jose";
import type { TokenRecord } from "../api-types.ts";
import { BEARER_CHALLENGE, HubError } from "../errors.ts";

const ALG = "ES256";
/** How long a retired signing key stays published, so tokens it signed keep verifying. */
export const KEY_GRACE_MS = 30 * 24 * 3600_000;
/** Signing keys are replaced after this long (checked at boot and daily). */
export const KEY_MAX_AGE_MS = 90 * 24 * 3600_000;

export interface IssueRequest {
  sub: string;
  aud: string | string[];
  scope: string;
  ttlS: number;
  /** `operator`, `api`, `oauth`, `proxy`; every kind but `proxy` is recorded, so it can be listed and revoked. */
  kind: string;
  label?: string;
}

/** The audiences a scope list implies: every module it names. */
export function audiencesOf(scope: string): string[] {
  return [...new Set(scope.split(" ").map((s) => s.split(":")[0]!))];
}

/** What the hub reads from a token it verified. */
export interface TokenClaims {
  sub: string;
  jti: string;
  aud: string[];
  scope: string;
  /** Expiry, in seconds since the epoch. */
  exp: number;
}

/** How many verified tokens are remembered (their signatures are not checked again for a while). */
const VERIFIED_CACHE = 2_000;

interface KeyRow {
  kid: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
}

/**
 * The hub's JWT issuer: ES256 keys kept in hub.db, the newest one signing, retired ones published for
 * a grace period; every token but the proxy's short-lived ones is recorded so it can be revoked by jti.
 */
export class TokenIssuer {
  private keys: { set: ReturnType<typeof createLocalJWKSet>; until: Map<string, number> } | null = null;
  private readonly verified = new Map<string, { claims: TokenClaims; kid: string }>();
  /** The ids of revoked tokens, read when first needed after each revocation (`isRevoked`). */
  private revoked: Set<string> | null = null;

  constructor(
    private readonly db: Database,
    private readonly issuer: () => string,
    private readonly now: () => number,
  ) {}

  /** Creates the first signing key, or a new one when the current one is older than `maxAgeMs`. */
  async ensureKey(maxAgeMs = KEY_MAX_AGE_MS): Promise<void> {
    const key = this.current();
    if (!key || this.now() - key.created_at > maxAgeMs) await this.rotate();
  }

  /** Retires the signing key (still published for the grace period) and starts signing with a new one. */
  async rotate(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
    const kid = randomUUID();
    const pub = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: "sig" };
    const priv = { ...(await exportJWK(privateKey)), kid, alg: ALG };
    const t = this.now();
    this.db.transaction(() => {
      this.db.query("UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL").run(t);
      this.db
        .query(
          "INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .run(kid, ALG, JSON.stringify(priv), JSON.stringify(pub), t);
      this.db
        .query("DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < ?")
        .run(t - KEY_GRACE_MS);
    })();
    this.keys = null;
    return kid;
  }

  /** The public keys to publish: the signing key and those retired within the grace period. */
  jwks(): { keys: JWK[] } {
    const rows = this.db
      .query(
        "SELECT public_jwk FROM signing_keys WHERE retired_at IS NULL OR retired_at >= ? ORDER BY created_at DESC",
      )
      .all(this.now() - KEY_GRACE_MS) as { public_jwk: string }[];
    return { keys: rows.map((r) => JSON.parse(r.public_jwk) as JWK) };
  }

  async issue(req: IssueRequest): Promise<{ token: string; jti: string; exp: number }> {
    const key = this.current();
    if (!key) throw new Error("no signing key");
    const jti = randomUUID();
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + req.ttlS;
    // Recorded before it is signed, so a revocation by label that races the signing still finds it.
    if (req.kind !== "proxy") {
      this.db
        .query(
          "INSERT INTO tokens (jti, sub, aud, scope, label, kind, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .run(
          jti,
          req.sub,
          [req.aud].flat().join(" "),
          req.scope,
          req.label ?? null,
          req.kind,
          iat * 1000,
          exp * 1000,
        );
    }
    const token = await new SignJWT({ scope: req.scope })
      .setProtectedHeader({ alg: ALG, kid: key.kid, typ: "JWT" })
      .setIssuer(this.issuer())
      .setSubject(req.sub)
      .setAudience(req.aud)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(await importJWK(JSON.parse(key.private_jwk) as JWK, ALG));
    return { token, jti, exp };
  }

  /**
   * Verifies a token this hub signed: signature (current or recently retired key), issuer, expiry,
   * not revoked, and — when `audience` is given — that it is addressed to it. Verified signatures are
   * remembered while the token lives; expiry and revocation are checked every time.
   */
  async verify(token: string, audience?: string): Promise<TokenClaims> {
    const refuse = (why: string) =>
      new HubError("unauthorized", "invalid_token", why, {
        challenge: `${BEARER_CHALLENGE}, error="invalid_token"`,
      });
    const keys = this.keySet();
    const known = this.verified.get(token);
    let claims = known && (keys.until.get(known.kid) ?? 0) > this.now() ? known.claims : undefined;
    let kid = known?.kid ?? "";
    if (!claims) {
      try {
        const { payload, protectedHeader } = await jwtVerify(token, keys.set, {
          issuer: this.issuer(),
          algorithms: [ALG],
          requiredClaims: ["exp", "jti", "sub", "aud"],
          currentDate: new Date(this.now()),
        });
        claims = {
          sub: String(payload.sub),
          jti: String(payload.jti),
          aud: [payload.aud ?? []].flat(),
          scope: String(payload.scope ?? ""),
          exp: Number(payload.exp),
        };
        kid = String(protectedHeader.kid);
      } catch (err) {
        // jose checks claims only once the signature holds: this hub signed it under another origin.
        if (err instanceof errors.JWTClaimValidationFailed && err.claim === "iss")
          throw refuse(
            `the token was issued by this hub as ${String(err.payload.iss).slice(0, 200)}, and it now runs as ${this.issuer()}: a hub's tokens hold for the origin they were issued under (set PARACHUTE_HUB_ORIGIN, or keep the port, to keep them)`,
          );
        throw refuse("the token is not one this hub signed, or it has expired");
      }
      this.verified.delete(token);
      if (this.verified.size >= VERIFIED_CACHE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { claims, kid });
    }
    if (claims.exp * 1000 <= this.now()) throw refuse("the token has expired");
    if (this.isRevoked(claims.jti)) throw refuse("the token has been revoked");
    if (audience !== undefined && !claims.aud.includes(audience))
      throw refuse(`the token is not for ${audience}`);
    return claims;
  }

  /** Verifies a token addressed to the hub itself (`aud` hub) and the scope required. */
  async verifyForHub(token: string, requiredScope: string): Promise<TokenClaims> {
    const claims = await this.verify(token, "hub");
    if (!scopeAllows(claims.scope, requiredScope)) {
      throw new HubError("forbidden", "insufficient_scope", `this needs the scope ${requiredScope}`);
    }
    return claims;
  }

  /** The published keys as a verification key set, rebuilt when they change. */
  private keySet(): { set: ReturnType<typeof createLocalJWKSet>; until: Map<string, number> } {
    const stale = this.keys && [...this.keys.until.values()].some((t) => t <= this.now());
    if (!this.keys || stale) {
      const rows = this.db
        .query(
          "SELECT kid, public_jwk, retired_at FROM signing_keys WHERE retired_at IS NULL OR retired_at >= ? ORDER BY created_at DESC",
        )
        .all(this.now() - KEY_GRACE_MS) as { kid: string; public_jwk: string; retired_at: number | null }[];
      this.keys = {
        set: createLocalJWKSet({ keys: rows.map((r) => JSON.parse(r.public_jwk) as JWK) }),
        until: new Map(
          rows.map((r) => [r.kid, r.retired_at === null ? Infinity : r.retired_at + KEY_GRACE_MS]),
        ),
      };
    }
    return this.keys;
  }

  list(): TokenRecord[] {
    const rows = this.db
      .query("SELECT * FROM tokens WHERE expires_at > ? ORDER BY issued_at DESC")
      .all(this.now()) as Record<string, unknown>[];
    return rows.map((r) => ({
      jti: r.jti as string,
      sub: r.sub as string,
      aud: r.aud as string,
      scope: r.scope as string,
      label: (r.label as string | null) ?? null,
      kind: r.kind as string,
      issuedAt: r.issued_at as number,
      expiresAt: r.expires_at as number,
      revokedAt: (r.revoked_at as number | null) ?? null,
    }));
  }

  /** Revokes a recorded token; false when there is no such jti. */
  revoke(jti: string): boolean {
    const { changes } = this.db
      .query("UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE jti = ?")
      .run(this.now(), jti);
    this.revoked = null;
    return changes === 1;
  }

  /** Revokes every token issued under `label` (an OAuth refresh family's access tokens). */
  revokeLabel(label: string): void {
    this.db
      .query("UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE label = ?")
      .run(this.now(), label);
    this.revoked = null;
  }

  /**
   * Checked on every proxied request, so read from memory: a query took ~12 µs there (the read
   * transaction's locks). Only this hub writes its database, and every revocation clears the set.
   */
  isRevoked(jti: string): boolean {
    this.revoked ??= new Set(
      (this.db.query("SELECT jti FROM tokens WHERE revoked_at IS NOT NULL").all() as { jti: string }[]).map(
        (r) => r.jti,
      ),
    );
    return this.revoked.has(jti);
  }

  /** Revoked tokens that have not expired yet: what modules poll. */
  revocations(): { jti: string; exp: number }[] {
    const rows = this.db
      .query("SELECT jti, expires_at FROM tokens WHERE revoked_at IS NOT NULL AND expires_at > ?")
      .all(this.now()) as { jti: string; expires_at: number }[];
    return rows.map((r) => ({ jti: r.jti, exp: Math.floor(r.expires_at / 1000) }));
  }

  private current(): KeyRow | null {
    return this.db
      .query("SELECT * FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1")
      .get() as KeyRow | null;
  }
}
