import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { base64url, exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from "jose";
import { HttpError } from "../src/errors.ts";
import { rejection, waitFor } from "../src/testing.ts";
import { TokenVerifier } from "../src/verify.ts";

/*
 * TokenVerifier against a real hub stand-in: a Bun server on port 0 that publishes the JWKS and the
 * revocation list from keys made here. Every forged or unfit token must end in an HttpError 401
 * (403 for a valid token that lacks the scope), never in a thrown jose error or an accepted token.
 */

const ISSUER = "https://hub.example.test";
const AUDIENCE = "vault";

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

interface TestKey {
  kid: string;
  pair: KeyPair;
  jwk: JWK;
}

async function makeKey(kid: string): Promise<TestKey> {
  const pair = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: "ES256", use: "sig" };
  return { kid, pair, jwk };
}

const hubKey = await makeKey("hub-key-1");
/** Same kid as the hub's key, different private key: a forger who knows the kid. */
const impostorKey = await makeKey("hub-key-1");
/** A key the hub never published. */
const strangerKey = await makeKey("stranger-key");
/** The key the hub rotates to in the rotation test. */
const nextKey = await makeKey("hub-key-2");

// What the stand-in hub serves; each test starts from the hub's one key and no revocations.
let published: JWK[] = [];
let revoked: { jti: string; exp: number }[] = [];
let jwksFetches = 0;
let revocationsDown = false;
/** While set, the revocation endpoint accepts the request and never answers (a paused or wedged hub). */
let revocationsHang = false;
const hanging: (() => void)[] = [];

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  idleTimeout: 0, // a hung endpoint must stay hung; the verifier has to cope on its own
  fetch(req) {
    const { pathname } = new URL(req.url);
    if (pathname === "/.well-known/jwks.json") {
      jwksFetches++;
      return Response.json({ keys: published });
    }
    if (pathname === "/.well-known/parachute-revocations.json" && revocationsHang) {
      return new Promise<Response>((resolve) => {
        hanging.push(() => resolve(new Response("late", { status: 503 })));
      });
    }
    if (pathname === "/.well-known/parachute-revocations.json") {
      return revocationsDown ? new Response("hub restarting", { status: 503 }) : Response.json({ revoked });
    }
    return new Response("not found", { status: 404 });
  },
});
afterEach(() => {
  revocationsHang = false;
  for (const release of hanging.splice(0)) release();
});
afterAll(() => server.stop(true));

let verifier: TokenVerifier;
beforeEach(() => {
  published = [hubKey.jwk];
  revoked = [];
  jwksFetches = 0;
  revocationsDown = false;
  verifier = new TokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    hubUrl: server.url.origin,
    revocationMaxAgeMs: 0,
  });
});

const nowS = () => Math.floor(Date.now() / 1000);

interface TokenOptions {
  key?: TestKey;
  claims?: Record<string, unknown>;
  iss?: string;
  aud?: string | string[];
  sub?: string;
  jti?: string | null;
  iat?: number;
  exp?: number;
  nbf?: number;
}

/** A hub-shaped ES256 token; every field overridable, `jti: null` leaves the jti out. */
async function token(o: TokenOptions = {}): Promise<string> {
  const key = o.key ?? hubKey;
  const jwt = new SignJWT({ scope: "vault:read", ...o.claims })
    .setProtectedHeader({ alg: "ES256", kid: key.kid, typ: "JWT" })
    .setIssuer(o.iss ?? ISSUER)
    .setSubject(o.sub ?? "alice")
    .setAudience(o.aud ?? AUDIENCE)
    .setIssuedAt(o.iat ?? nowS())
    .setExpirationTime(o.exp ?? nowS() + 300);
  if (o.jti !== null) jwt.setJti(o.jti ?? randomUUID());
  if (o.nbf !== undefined) jwt.setNotBefore(o.nbf);
  return jwt.sign(key.pair.privateKey);
}

function claimsJson(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const t = nowS();
  return {
    iss: ISSUER,
    sub: "alice",
    aud: AUDIENCE,
    scope: "vault:admin",
    jti: randomUUID(),
    iat: t,
    exp: t + 300,
    ...extra,
  };
}

const b64json = (v: unknown) => base64url.encode(JSON.stringify(v));

async function expect401(p: Promise<unknown>, reason?: RegExp): Promise<void> {
  const err = await rejection(p, HttpError);
  expect(err.status).toBe(401);
  expect(err.code).toBe("invalid_token");
  expect(err.headers["www-authenticate"]).toContain('error="invalid_token"');
  if (reason) expect(err.message).toMatch(reason);
}

/** What `p` settles to within `ms`, or a "still pending" marker: a deadline, not a sleep. */
async function within<T>(ms: number, p: Promise<T>): Promise<T | string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`still pending after ${ms} ms`), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe("TokenVerifier: valid tokens", () => {
  test("a valid token passes and returns its claims", async () => {
    const jti = randomUUID();
    const t = await token({ jti, claims: { scope: "vault:read vault:default:write" } });
    const claims = await verifier.verify(t, "vault:read");
    expect(claims.sub).toBe("alice");
    expect(claims.jti).toBe(jti);
    expect(claims.scope).toBe("vault:read vault:default:write");
    expect(claims.iss).toBe(ISSUER);
    expect(claims.aud).toBe(AUDIENCE);
    expect(typeof claims.exp).toBe("number");
  });

  test('the "Bearer " prefix is accepted, in any case', async () => {
    const t = await token();
    expect((await verifier.verify(`Bearer ${t}`)).sub).toBe("alice");
    expect((await verifier.verify(`bearer ${t}`)).sub).toBe("alice");
  });

  test("an audience list that includes this module is accepted", async () => {
    const t = await token({ aud: ["notes", AUDIENCE] });
    expect((await verifier.verify(t)).sub).toBe("alice");
  });
});

describe("TokenVerifier: missing and forged tokens are 401", () => {
  test("a missing or empty token: 401 with a bare challenge, no error code (RFC 6750 §3.1)", async () => {
    for (const header of [null, "", "   ", "Bearer "]) {
      const err = await rejection(verifier.verify(header), HttpError);
      expect([err.status, err.code]).toEqual([401, "unauthorized"]);
      expect(err.message).toMatch(/bearer token is required/);
      expect(err.headers["www-authenticate"]).toBe("Bearer");
    }
  });

  test("garbage that is not a JWT", async () => {
    await expect401(verifier.verify("Bearer not-a-jwt"));
    await expect401(verifier.verify("a.b.c"));
  });

  test("a valid token spelled otherwise (padded, or split by spaces) is refused: the hub's door would not check it", async () => {
    const good = await token();
    await verifier.verify(good);
    for (const odd of [
      `${good}==`,
      `${good.slice(0, -4)} ${good.slice(-4)}`,
      `${good}=`,
      ` ${good}\t`.trimEnd(),
    ])
      if (odd.trim() !== good) await expect401(verifier.verify(`Bearer ${odd}`), /compact/);
  });

  test("a bad signature: signed by another key under the hub key's kid", async () => {
    await expect401(verifier.verify(await token({ key: impostorKey })), /signature/);
  });

  test("a valid token with one signature byte changed", async () => {
    const [h, p, s] = (await token()).split(".") as [string, string, string];
    const sig = base64url.decode(s);
    sig[10] = sig[10]! ^ 0xff;
    await expect401(verifier.verify(`${h}.${p}.${base64url.encode(sig)}`), /signature/);
  });

  test('alg "none": an unsigned token built by hand', async () => {
    const header = b64json({ alg: "none", typ: "JWT" });
    const unsigned = `${header}.${b64json(claimsJson())}.`;
    await expect401(verifier.verify(unsigned), /algorithm/);
    // Also with the hub's kid in the header, in case a key lookup happened first.
    const withKid = `${b64json({ alg: "none", typ: "JWT", kid: hubKey.kid })}.${b64json(claimsJson())}.`;
    await expect401(verifier.verify(withKid), /algorithm/);
  });

  test("HS256 signed with the public key as the HMAC secret (algorithm confusion)", async () => {
    const raw = new Uint8Array(await crypto.subtle.exportKey("raw", hubKey.pair.publicKey));
    const secrets: [string, Uint8Array][] = [
      ["the JSON of the public JWK", new TextEncoder().encode(JSON.stringify(hubKey.jwk))],
      ["the SPKI PEM of the public key", new TextEncoder().encode(await exportSPKI(hubKey.pair.publicKey))],
      ["the raw public point", raw],
      ["the JWK's x coordinate", new TextEncoder().encode(hubKey.jwk.x!)],
    ];
    for (const [, secret] of secrets) {
      const forged = await new SignJWT({ scope: "vault:admin" })
        .setProtectedHeader({ alg: "HS256", kid: hubKey.kid, typ: "JWT" })
        .setIssuer(ISSUER)
        .setSubject("mallory")
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime("5m")
        .setJti(randomUUID())
        .sign(secret);
      await expect401(verifier.verify(forged, "vault:read"), /algorithm/);
    }
  });

  test("a key embedded in the header (jwk) is not trusted", async () => {
    const forged = await new SignJWT({ scope: "vault:admin" })
      .setProtectedHeader({ alg: "ES256", kid: hubKey.kid, jwk: strangerKey.jwk })
      .setIssuer(ISSUER)
      .setSubject("mallory")
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime("5m")
      .setJti(randomUUID())
      .sign(strangerKey.pair.privateKey);
    await expect401(verifier.verify(forged));
  });

  test("an expired token", async () => {
    const t = await token({ iat: nowS() - 600, exp: nowS() - 10 });
    await expect401(verifier.verify(t), /expired/);
  });

  test("a token that is not valid yet (nbf in the future)", async () => {
    const t = await token({ nbf: nowS() + 300 });
    await expect401(verifier.verify(t), /"nbf"/);
  });

  test("a token from another issuer", async () => {
    const t = await token({ iss: "https://evil.example.test" });
    await expect401(verifier.verify(t), /"iss"/);
  });

  test("a token for another audience", async () => {
    await expect401(verifier.verify(await token({ aud: "notes" })), /"aud"/);
    await expect401(verifier.verify(await token({ aud: "hub" })), /"aud"/);
  });

  test("a token without a jti", async () => {
    await expect401(verifier.verify(await token({ jti: null })), /"jti"/);
  });

  test("a token without an exp", async () => {
    const noExp = claimsJson();
    delete noExp.exp;
    // Signed properly by the hub's key, just without exp.
    const t = await new SignJWT(noExp)
      .setProtectedHeader({ alg: "ES256", kid: hubKey.kid })
      .sign(hubKey.pair.privateKey);
    await expect401(verifier.verify(t), /"exp"/);
  });

  test("a token without a scope claim", async () => {
    const noScope = claimsJson();
    delete noScope.scope;
    const t = await new SignJWT(noScope)
      .setProtectedHeader({ alg: "ES256", kid: hubKey.kid })
      .sign(hubKey.pair.privateKey);
    await expect401(verifier.verify(t), /scope/);
  });

  test("a revoked jti, once it is on the hub's revocation list", async () => {
    const jti = randomUUID();
    const t = await token({ jti });
    expect((await verifier.verify(t)).jti).toBe(jti);
    revoked = [{ jti, exp: nowS() + 300 }];
    await expect401(verifier.verify(t), /revoked/);
    // Other tokens are unaffected.
    expect((await verifier.verify(await token())).sub).toBe("alice");
  });

  test("an unknown kid: signed by a key the hub never published", async () => {
    await expect401(verifier.verify(await token({ key: strangerKey })), /known hub key/);
  });
});

describe("TokenVerifier: when the hub is away", () => {
  test("a revoked token stays refused while the revocation list cannot be fetched", async () => {
    const jti = randomUUID();
    const t = await token({ jti });
    revoked = [{ jti, exp: nowS() + 300 }];
    await expect401(verifier.verify(t), /revoked/);
    revocationsDown = true;
    await expect401(verifier.verify(t), /revoked/);
  });

  test("verification does not hang while the hub accepts the revocation poll but never answers", async () => {
    const t = await token();
    expect((await verifier.verify(t)).sub).toBe("alice"); // keys and a revocation list are cached
    revocationsHang = true;
    // The last list is kept when the hub is away (verify.ts); a hub that is stuck is away too. Allow
    // generously more than jose's own 5 s JWKS timeout before calling it a hang.
    const outcome = await within(
      8000,
      verifier.verify(t).then(
        (c) => `accepted ${c.sub}`,
        (e: unknown) => `refused ${String(e)}`,
      ),
    );
    expect(outcome).toBe("accepted alice");
  }, 15_000);
});

describe("TokenVerifier: key rotation", () => {
  test("a kid that appears in the JWKS later is accepted once the verifier refetches", async () => {
    // The verifier caches the JWKS holding only the old key.
    expect((await verifier.verify(await token())).sub).toBe("alice");
    expect(jwksFetches).toBe(1);

    // The hub rotates; tokens signed by the new key start to arrive.
    published = [nextKey.jwk, hubKey.jwk];
    const fresh = await token({ key: nextKey, sub: "bob" });
    const claims = await waitFor(async () => {
      try {
        return await verifier.verify(fresh);
      } catch (err) {
        // Until the refetch happens the token is refused the ordinary way, never with another error.
        expect(err).toBeInstanceOf(HttpError);
        expect((err as HttpError).status).toBe(401);
        return null;
      }
    }, "the verifier to refetch the JWKS and accept the new kid");
    expect(claims.sub).toBe("bob");
    expect(jwksFetches).toBeGreaterThanOrEqual(2);
    // Tokens signed by the old key still verify while it is published.
    expect((await verifier.verify(await token())).sub).toBe("alice");
  });
});

describe("TokenVerifier: scopes", () => {
  test("a valid token without the required scope is 403 insufficient_scope", async () => {
    const t = await token({ claims: { scope: "notes:admin vault:read" } });
    const err = await rejection(verifier.verify(t, "vault:write"), HttpError);
    expect(err.status).toBe(403);
    expect(err.code).toBe("insufficient_scope");
    expect(err.headers["www-authenticate"]).toContain('error="insufficient_scope"');
    expect(err.headers["www-authenticate"]).toContain('scope="vault:write"');
  });

  test("vault:write satisfies vault:read", async () => {
    const t = await token({ claims: { scope: "vault:write" } });
    expect((await verifier.verify(t, "vault:read")).scope).toBe("vault:write");
  });

  test("vault:default:read satisfies vault:default:read but neither vault:read nor vault:other:read", async () => {
    const t = await token({ claims: { scope: "vault:default:read" } });
    expect((await verifier.verify(t, "vault:default:read")).sub).toBe("alice");
    for (const needed of ["vault:read", "vault:other:read"]) {
      const err = await rejection(verifier.verify(t, needed), HttpError);
      expect(err.status).toBe(403);
      expect(err.code).toBe("insufficient_scope");
    }
  });

  test("a forged token is 401 even when a scope is required (authentication before authorisation)", async () => {
    const t = await token({ key: impostorKey, claims: { scope: "notes:read" } });
    await expect401(verifier.verify(t, "vault:read"));
  });
});
