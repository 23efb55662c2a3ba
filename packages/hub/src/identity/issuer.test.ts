import type { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rejection } from "@parachute/module-kit/testing";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { HubError } from "../errors.ts";
import { openHubDb } from "../store/db.ts";
import { type IssueRequest, KEY_GRACE_MS, KEY_MAX_AGE_MS, TokenIssuer } from "./issuer.ts";

const ORIGIN = "https://hub.example.test";
const DAY_MS = 24 * 3600_000;

let dir = "";
let db: Database;
let now = 0;
let issuer: TokenIssuer;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "issuer-test-"));
  db = openHubDb(join(dir, "hub.db"));
  now = Date.UTC(2030, 0, 1);
  issuer = new TokenIssuer(
    db,
    () => ORIGIN,
    () => now,
  );
  await issuer.ensureKey();
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const hubToken = (o: Partial<IssueRequest> = {}) =>
  issuer.issue({ sub: "admin", aud: "hub", scope: "hub:admin", ttlS: 3600, kind: "api", ...o });

const keyRows = () => (db.query("SELECT count(*) AS n FROM signing_keys").get() as { n: number }).n;
const publishedKids = () => issuer.jwks().keys.map((k) => k.kid);

describe("TokenIssuer keys", () => {
  test("ensureKey creates one signing key, and only once", async () => {
    expect(keyRows()).toBe(1);
    await issuer.ensureKey();
    await issuer.ensureKey();
    expect(keyRows()).toBe(1);
    expect(issuer.jwks().keys).toHaveLength(1);
  });

  test("ensureKey replaces a key older than KEY_MAX_AGE_MS, keeping the old one published", async () => {
    const [first] = publishedKids();
    now += KEY_MAX_AGE_MS;
    await issuer.ensureKey();
    expect(publishedKids()).toEqual([first]);
    now += 1;
    await issuer.ensureKey();
    const kids = publishedKids();
    expect(kids).toHaveLength(2);
    expect(kids[1]).toBe(first);
    expect(decodeProtectedHeader((await hubToken()).token).kid).toBe(kids[0]!);
  });

  test("the keys survive reopening hub.db", async () => {
    const kid = publishedKids()[0];
    db.close();
    db = openHubDb(join(dir, "hub.db"));
    const again = new TokenIssuer(
      db,
      () => ORIGIN,
      () => now,
    );
    await again.ensureKey();
    expect(again.jwks().keys.map((k) => k.kid)).toEqual([kid]);
  });

  test("jwks() publishes public keys only", async () => {
    await issuer.rotate();
    const { keys } = issuer.jwks();
    expect(keys).toHaveLength(2);
    for (const k of keys) {
      expect(Object.keys(k).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x", "y"]);
      expect(k).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
      for (const secret of ["d", "p", "q", "dp", "dq", "qi", "k"]) expect(k).not.toHaveProperty(secret);
    }
    expect(JSON.stringify(issuer.jwks())).not.toContain('"d"');
  });
});

describe("TokenIssuer.issue", () => {
  test("makes an ES256 token with the kid and the hub's claims", async () => {
    const { token, jti, exp } = await issuer.issue({
      sub: "alice",
      aud: "vault",
      scope: "vault:read",
      ttlS: 900,
      kind: "api",
      label: "laptop",
    });
    const header = decodeProtectedHeader(token);
    expect(header.alg).toBe("ES256");
    expect(header.kid).toBe(publishedKids()[0]!);
    const claims = decodeJwt(token);
    const iat = Math.floor(now / 1000);
    expect(claims).toEqual({ iss: ORIGIN, sub: "alice", aud: "vault", scope: "vault:read", iat, exp, jti });
    expect(exp).toBe(iat + 900);
  });

  test("records the token so it can be listed", async () => {
    const { jti, exp } = await issuer.issue({
      sub: "alice",
      aud: ["vault", "notes"],
      scope: "vault:read notes:read",
      ttlS: 900,
      kind: "api",
      label: "laptop",
    });
    expect(issuer.list()).toEqual([
      {
        jti,
        sub: "alice",
        aud: "vault notes",
        scope: "vault:read notes:read",
        label: "laptop",
        kind: "api",
        issuedAt: Math.floor(now / 1000) * 1000,
        expiresAt: exp * 1000,
        revokedAt: null,
      },
    ]);
  });

  test('kind "proxy" tokens are not recorded in list()', async () => {
    const proxy = await issuer.issue({
      sub: "alice",
      aud: "vault",
      scope: "vault:admin",
      ttlS: 300,
      kind: "proxy",
    });
    const api = await issuer.issue({
      sub: "alice",
      aud: "vault",
      scope: "vault:read",
      ttlS: 300,
      kind: "oauth",
    });
    expect(issuer.list().map((t) => t.jti)).toEqual([api.jti]);
    expect(issuer.revoke(proxy.jti)).toBe(false);
  });

  test("refuses to issue without a signing key", async () => {
    db.query("DELETE FROM signing_keys").run();
    await expect(hubToken()).rejects.toThrow("no signing key");
  });
});

describe("TokenIssuer.verifyForHub", () => {
  test("accepts an aud hub token with the needed scope", async () => {
    const { token, jti } = await hubToken({ scope: "hub:admin" });
    expect(await issuer.verifyForHub(token, "hub:read")).toMatchObject({
      sub: "admin",
      scope: "hub:admin",
      jti,
    });
    expect(await issuer.verifyForHub(token, "hub:admin")).toMatchObject({
      sub: "admin",
      scope: "hub:admin",
      jti,
      aud: ["hub"],
    });
  });

  test("accepts an audience list that includes hub", async () => {
    const { token } = await hubToken({ aud: ["vault", "hub"] });
    expect((await issuer.verifyForHub(token, "hub:admin")).sub).toBe("admin");
  });

  test("rejects a token for another audience with 401", async () => {
    const { token } = await hubToken({ aud: "vault", scope: "hub:admin vault:admin" });
    const err = await rejection(issuer.verifyForHub(token, "hub:read"), HubError);
    expect(err.kind).toBe("unauthorized");
    expect(err.code).toBe("invalid_token");
  });

  test("rejects insufficient scope with 403", async () => {
    const { token } = await hubToken({ scope: "hub:read vault:admin" });
    const err = await rejection(issuer.verifyForHub(token, "hub:admin"), HubError);
    expect(err.kind).toBe("forbidden");
    expect(err.code).toBe("insufficient_scope");
  });

  test("rejects a revoked token with 401", async () => {
    const { token, jti } = await hubToken();
    expect((await issuer.verifyForHub(token, "hub:admin")).jti).toBe(jti);
    expect(issuer.revoke(jti)).toBe(true);
    const err = await rejection(issuer.verifyForHub(token, "hub:admin"), HubError);
    expect(err.kind).toBe("unauthorized");
    expect(err.message).toContain("revoked");
  });

  test("rejects an expired token with 401 once the clock passes exp", async () => {
    const { token, exp } = await hubToken({ ttlS: 60 });
    now += 59_000;
    expect((await issuer.verifyForHub(token, "hub:admin")).sub).toBe("admin");
    now = exp * 1000 + 1000;
    const err = await rejection(issuer.verifyForHub(token, "hub:admin"), HubError);
    expect(err.kind).toBe("unauthorized");
  });

  test("rejects a token issued by another hub (other keys, other issuer)", async () => {
    const otherDir = mkdtempSync(join(tmpdir(), "issuer-test-other-"));
    const otherDb = openHubDb(join(otherDir, "hub.db"));
    try {
      const other = new TokenIssuer(
        otherDb,
        () => ORIGIN,
        () => now,
      );
      await other.ensureKey();
      const { token } = await other.issue({
        sub: "x",
        aud: "hub",
        scope: "hub:admin",
        ttlS: 60,
        kind: "api",
      });
      expect((await rejection(issuer.verifyForHub(token, "hub:read"), HubError)).kind).toBe("unauthorized");
    } finally {
      otherDb.close();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  test("rejects a token whose issuer is not this hub's origin, naming both", async () => {
    let origin = "https://old-name.example.test";
    const renamed = new TokenIssuer(
      db,
      () => origin,
      () => now,
    );
    const { token } = await renamed.issue({
      sub: "x",
      aud: "hub",
      scope: "hub:admin",
      ttlS: 60,
      kind: "api",
    });
    origin = ORIGIN;
    const err = await rejection(renamed.verifyForHub(token, "hub:read"), HubError);
    expect(err.kind).toBe("unauthorized");
    expect(err.message).toContain("https://old-name.example.test");
    expect(err.message).toContain(ORIGIN);
    // A token this hub never signed is not told apart by its issuer.
    const forged = `${token.split(".").slice(0, 2).join(".")}.${"A".repeat(86)}`;
    expect((await rejection(renamed.verifyForHub(forged, "hub:read"), HubError)).message).not.toContain(
      "old-name",
    );
  });

  test("rejects garbage with 401", async () => {
    expect((await rejection(issuer.verifyForHub("not.a.jwt", "hub:read"), HubError)).kind).toBe(
      "unauthorized",
    );
    expect((await rejection(issuer.verifyForHub("", "hub:read"), HubError)).kind).toBe("unauthorized");
  });
});

describe("TokenIssuer.rotate", () => {
  test("keeps the old key published and its tokens verifying; new tokens use the new key", async () => {
    const [oldKid] = publishedKids();
    const old = await hubToken({ ttlS: 60 * 24 * 3600 });
    now += 1000;
    const newKid = await issuer.rotate();
    expect(newKid).not.toBe(oldKid!);
    expect(publishedKids()).toEqual([newKid, oldKid!]);
    expect((await issuer.verifyForHub(old.token, "hub:admin")).jti).toBe(old.jti);
    const fresh = await hubToken();
    expect(decodeProtectedHeader(fresh.token).kid).toBe(newKid);
    expect((await issuer.verifyForHub(fresh.token, "hub:admin")).jti).toBe(fresh.jti);
  });

  test("after KEY_GRACE_MS the old key is no longer published and its tokens no longer verify", async () => {
    const [oldKid] = publishedKids();
    // Outlives the grace period, so only the key's retirement can stop it.
    const old = await hubToken({ ttlS: (KEY_GRACE_MS + 10 * DAY_MS) / 1000 });
    const retiredAt = now + 1000;
    now = retiredAt;
    const newKid = await issuer.rotate();
    const fresh = await hubToken({ ttlS: (KEY_GRACE_MS + 10 * DAY_MS) / 1000 });

    now = retiredAt + KEY_GRACE_MS - 1;
    expect(publishedKids()).toEqual([newKid, oldKid!]);
    expect((await issuer.verifyForHub(old.token, "hub:admin")).jti).toBe(old.jti);

    now = retiredAt + KEY_GRACE_MS + 1;
    expect(publishedKids()).toEqual([newKid]);
    const err = await rejection(issuer.verifyForHub(old.token, "hub:admin"), HubError);
    expect(err.kind).toBe("unauthorized");
    expect((await issuer.verifyForHub(fresh.token, "hub:admin")).jti).toBe(fresh.jti);

    // The next rotation deletes the expired key's row; the one it retires stays published.
    await issuer.rotate();
    expect(keyRows()).toBe(2);
    expect(publishedKids()).toHaveLength(2);
    expect(publishedKids()).toContain(newKid);
    expect(publishedKids()).not.toContain(oldKid!);
  });
});

describe("TokenIssuer revocation", () => {
  test("revoke() is true for a recorded jti, false for an unknown one, and keeps the first time", async () => {
    const { jti } = await hubToken();
    expect(issuer.revoke("no-such-jti")).toBe(false);
    const first = now;
    expect(issuer.revoke(jti)).toBe(true);
    now += 5000;
    issuer.revoke(jti);
    expect(issuer.list().find((t) => t.jti === jti)?.revokedAt).toBe(first);
    expect(issuer.isRevoked(jti)).toBe(true);
  });

  test("revocations() lists only revoked tokens that have not expired", async () => {
    const revokedLong = await hubToken({ ttlS: 3600 });
    const revokedShort = await hubToken({ ttlS: 60 });
    const live = await hubToken({ ttlS: 3600 });
    issuer.revoke(revokedLong.jti);
    issuer.revoke(revokedShort.jti);

    expect(
      issuer
        .revocations()
        .map((r) => r.jti)
        .sort(),
    ).toEqual([revokedLong.jti, revokedShort.jti].sort());
    expect(issuer.revocations().map((r) => r.jti)).not.toContain(live.jti);

    now += 61_000;
    expect(issuer.revocations()).toEqual([{ jti: revokedLong.jti, exp: revokedLong.exp }]);

    now += 3600_000;
    expect(issuer.revocations()).toEqual([]);
  });
});
