import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import { HttpError } from "./errors.ts";
import { scopeAllows } from "./scopes.ts";

/** Claims of a verified hub token. */
export interface HubClaims extends JWTPayload {
  sub: string;
  scope: string;
  jti: string;
}

export interface VerifierOptions {
  /** The expected `iss`: the hub's public origin (`PARACHUTE_HUB_ORIGIN`). */
  issuer: string;
  /** The expected `aud`: this module's short name. */
  audience: string;
  /** Where to fetch keys and revocations: the hub on loopback (`PARACHUTE_HUB_URL`). */
  hubUrl: string;
  /** How long a fetched revocation list is trusted. */
  revocationMaxAgeMs?: number;
}

const ALGORITHMS = ["ES256"];
/**
 * A hub token as the hub's proxy and the modules both read it: a JWT in compact form, nothing padded
 * or split (jose would read those too). An empty signature (`alg: none`) still counts, so it is
 * verified and refused.
 */
export const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Verifies hub-issued JWTs: signature against the hub's JWKS (refetched when an unknown `kid`
 * appears), an allow-listed algorithm, issuer, audience, expiry and not-before, the revocation list,
 * and the scope a route needs. Every failure is a 401 (403 for a valid token lacking the scope).
 */
export class TokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  private revoked = new Set<string>();
  private revokedAt = 0;
  private readonly verified = new Map<string, JWTPayload>();
  private retryAt = 0;
  private fetchedOnce = false;

  constructor(private readonly opts: VerifierOptions) {
    this.jwks = createRemoteJWKSet(new URL("/.well-known/jwks.json", opts.hubUrl), {
      cooldownDuration: 1000,
    });
  }

  /** Verifies a bearer token (with or without the `Bearer ` prefix) and, if given, a required scope. */
  async verify(tokenOrHeader: string | null, requiredScope?: string): Promise<HubClaims> {
    const token = (tokenOrHeader ?? "").replace(/^Bearer\s+/i, "").trim();
    // RFC 6750 §3.1: a request with no credential at all gets a challenge without an error code.
    if (!token)
      throw new HttpError(401, "unauthorized", "a bearer token is required", {
        "www-authenticate": "Bearer",
      });
    // Only the compact form the hub checks at its door: jose also reads a signature padded with `=`
    // or split by spaces, which the hub's proxy would pass on as some other credential, unchecked.
    if (!COMPACT_JWT.test(token)) throw unauthorized("the token is not a JWT in compact form");
    let payload = this.verified.get(token);
    if (payload && (payload.exp ?? 0) * 1000 <= Date.now()) {
      this.verified.delete(token);
      payload = undefined;
    }
    if (!payload) {
      try {
        ({ payload } = await jwtVerify(token, this.jwks, {
          issuer: this.opts.issuer,
          audience: this.opts.audience,
          algorithms: ALGORITHMS,
          requiredClaims: ["exp", "jti", "sub"],
        }));
      } catch (err) {
        throw unauthorized(describe(err));
      }
      // A signature checked once need not be checked again while the token lives; expiry and
      // revocation are still checked on every request.
      if (this.verified.size >= 1000) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, payload);
    }
    if (typeof payload.scope !== "string") throw unauthorized("the token has no scope");
    await this.refreshRevocations(false);
    if (this.revoked.has(payload.jti!)) throw unauthorized("the token has been revoked");
    if (requiredScope && !scopeAllows(payload.scope, requiredScope)) {
      throw new HttpError(403, "insufficient_scope", `this needs the scope ${requiredScope}`, {
        "www-authenticate": `Bearer error="insufficient_scope", scope="${requiredScope}"`,
      });
    }
    return payload as HubClaims;
  }

  /**
   * Fetches the hub's revocation list when stale (or always, when `force`). A hub that does not
   * answer within two seconds leaves the last list in place and is asked again a few seconds later;
   * with no list at all yet, verification fails closed (503) rather than accept a revoked token.
   */
  async refreshRevocations(force: boolean): Promise<void> {
    const maxAge = this.opts.revocationMaxAgeMs ?? 30_000;
    const now = Date.now();
    if (!force && now - this.revokedAt < maxAge) return;
    if (!force && now < this.retryAt) return this.requireList();
    try {
      const res = await fetch(new URL("/.well-known/parachute-revocations.json", this.opts.hubUrl), {
        signal: AbortSignal.timeout(2000),
      });
      if (!res.ok) throw new Error(`status ${res.status}`);
      const body = (await res.json()) as { revoked: { jti: string }[] };
      this.revoked = new Set(body.revoked.map((r) => r.jti));
      this.revokedAt = Date.now();
      this.fetchedOnce = true;
    } catch {
      this.retryAt = Date.now() + 5_000;
      this.requireList();
    }
  }

  private requireList(): void {
    if (!this.fetchedOnce) {
      throw new HttpError(503, "revocations_unavailable", "the hub's revocation list cannot be fetched yet", {
        "retry-after": "5",
      });
    }
  }
}

/**
 * A verifier for a module started by the hub, from the environment the hub gives it
 * (`PARACHUTE_HUB_ORIGIN`, `PARACHUTE_HUB_URL`).
 */
export function verifierFromEnv(
  audience: string,
  env: Record<string, string | undefined> = process.env,
): TokenVerifier {
  const issuer = env.PARACHUTE_HUB_ORIGIN ?? "http://127.0.0.1:1939";
  return new TokenVerifier({ issuer, audience, hubUrl: env.PARACHUTE_HUB_URL ?? issuer });
}

/** An `authorizeAdmin` for the module kit: true when the request's token carries `scope`. */
export function allowScope(verifier: TokenVerifier, scope: string): (req: Request) => Promise<boolean> {
  return (req) =>
    verifier.verify(req.headers.get("authorization"), scope).then(
      () => true,
      () => false,
    );
}

function unauthorized(reason: string): HttpError {
  return new HttpError(401, "invalid_token", reason, { "www-authenticate": `Bearer error="invalid_token"` });
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return "the token has expired";
  if (err instanceof errors.JWTClaimValidationFailed)
    return `the token's "${err.claim}" claim is not valid here`;
  if (err instanceof errors.JOSEAlgNotAllowed) return "the token's algorithm is not allowed";
  if (err instanceof errors.JWKSNoMatchingKey) return "the token was not signed by a known hub key";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "the token's signature is not valid";
  return "the token is not valid";
}
