/** Identity against real hubs: auth at the proxy, tokens, and what is kept at rest. */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { TokenVerifier } from "@parachute/module-kit";
import { makeFixture } from "../testing/fixtures.ts";
import { runCli, startHub, TEST_ADMIN, TEST_SETUP_TOKEN, tempHome } from "../testing/hub-process.ts";
import {
  enableTotp,
  errorCode,
  HUB_TEST_MS,
  login,
  PRIVATE_JWK_FIELDS,
  send,
  stoppedOutput,
  totpNow,
  withHub,
} from "../testing/identity-helpers.ts";

describe("auth at the proxy", () => {
  test(
    "a private module gets a short-lived token for a session, never the session cookie",
    async () => {
      await withHub({}, {}, async (hub) => {
        const pkgs = tempHome();
        for (const f of [
          { name: "secret", port: 1944, public: false },
          { name: "open", port: 1945 },
        ]) {
          const res = await hub.op("POST", "/api/modules/install", { path: makeFixture(pkgs, f) });
          expect(res.status).toBe(200);
        }

        const page = await fetch(`${hub.origin}/secret/request`, {
          headers: { accept: "text/html" },
          redirect: "manual",
        });
        expect(page.status).toBe(302);
        const location = page.headers.get("location")!;
        expect(location).toStartWith("/login?next=");
        expect(new URL(location, hub.origin).searchParams.get("next")).toBe("/secret/request");

        const api = await send(hub.origin, "GET", "/secret/request");
        expect(api.status).toBe(401);
        expect(api.headers.get("www-authenticate")).toContain("Bearer");

        const { cookie } = hub.session!;
        const withSession = await send(hub.origin, "GET", "/secret/request", undefined, {
          cookie: `${cookie}; other=1`,
        });
        expect(withSession.status).toBe(200);
        const seen = ((await withSession.json()) as { headers: Record<string, string> }).headers;
        expect(seen.cookie).toContain("other=1");
        expect(seen.cookie).not.toContain("parachute_session");
        expect(seen.cookie).not.toContain(cookie.split("=")[1]!);
        const m = /^Bearer (\S+)$/.exec(seen.authorization ?? "");
        expect(m).not.toBeNull();
        const verifier = new TokenVerifier({ issuer: hub.origin, audience: "secret", hubUrl: hub.origin });
        const claims = await verifier.verify(m![1]!, "secret:admin");
        expect(claims.scope).toBe("secret:admin");
        expect(claims.sub).toBe(TEST_ADMIN.username);
        expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
        expect(claims.exp! - claims.iat!).toBeGreaterThan(0);
        // It is for this module only.
        const elsewhere = new TokenVerifier({ issuer: hub.origin, audience: "open", hubUrl: hub.origin });
        await expect(elsewhere.verify(m![1]!)).rejects.toMatchObject({ status: 401 });

        // The module itself accepts the injected token.
        const whoami = await send(hub.origin, "GET", "/secret/whoami", undefined, { cookie });
        expect(whoami.status).toBe(200);
        expect(((await whoami.json()) as { aud: string }).aud).toBe("secret");

        // A request's own hub token goes through untouched, session or not; junk never reaches it.
        const made = await hub.api("POST", "/api/tokens", { scope: "secret:read" });
        const own = `Bearer ${((await made.json()) as { token: string }).token}`;
        for (const extra of [{}, { cookie }] as Record<string, string>[]) {
          const res = await send(hub.origin, "GET", "/secret/request", undefined, {
            authorization: own,
            ...extra,
          });
          expect(res.status).toBe(200);
          const h = ((await res.json()) as { headers: Record<string, string> }).headers;
          expect(h.authorization).toBe(own);
          expect(h.cookie ?? "").not.toContain("parachute_session");
          const junk = await send(hub.origin, "GET", "/secret/request", undefined, {
            authorization: "Bearer xyz",
            ...extra,
          });
          expect(junk.status).toBe(401);
        }

        // A public module answers anyone, with no token made up for them.
        const open = await send(hub.origin, "GET", "/open/request");
        expect(open.status).toBe(200);
        const openSeen = ((await open.json()) as { headers: Record<string, string> }).headers;
        expect(openSeen.authorization).toBeUndefined();
      });
    },
    HUB_TEST_MS,
  );
});

describe("tokens", () => {
  test(
    "the operator token drives the CLI; API tokens are made, listed without values and revoked",
    async () => {
      await withHub({}, {}, async (hub) => {
        const status = await runCli(hub.home, ["status"]);
        expect(status.code).toBe(0);

        const made = await hub.api("POST", "/api/tokens", { scope: "hub:admin", label: "ci" });
        expect(made.status).toBe(201);
        const { token, jti } = (await made.json()) as { token: string; jti: string };
        const bearer = { authorization: `Bearer ${token}` };
        expect((await send(hub.origin, "GET", "/api/modules", undefined, bearer)).status).toBe(200);

        const listed = await hub.api("GET", "/api/tokens");
        expect(listed.status).toBe(200);
        const text = await listed.text();
        const { tokens } = JSON.parse(text) as { tokens: { jti: string; label: string | null }[] };
        expect(tokens.find((t) => t.jti === jti)?.label).toBe("ci");
        expect(text).not.toContain(token);
        expect(text).not.toContain(hub.token);
        expect(text).not.toContain("eyJ");

        const revoked = await hub.api("DELETE", `/api/tokens/${jti}`);
        expect(revoked.status).toBe(200);
        const refused = await send(hub.origin, "GET", "/api/modules", undefined, bearer);
        expect(refused.status).toBe(401);
        expect(await errorCode(refused)).toBe("invalid_token");
        const revocations = (await (
          await send(hub.origin, "GET", "/.well-known/parachute-revocations.json")
        ).json()) as { revoked: { jti: string }[] };
        expect(revocations.revoked.map((r) => r.jti)).toContain(jti);
        expect((await hub.api("DELETE", `/api/tokens/${crypto.randomUUID()}`)).status).toBe(404);
        // The operator token is unaffected.
        expect((await hub.api("GET", "/api/modules")).status).toBe(200);
      });
    },
    HUB_TEST_MS,
  );

  test(
    "bad scopes are refused, and a token without hub:admin cannot use the API",
    async () => {
      await withHub({}, {}, async (hub) => {
        for (const scope of ["; rm -rf /", "", "vault", "VAULT:read", "vault:read; hub:admin"]) {
          const res = await hub.api("POST", "/api/tokens", { scope });
          expect(res.status).toBe(400);
          expect(await errorCode(res)).toBe("invalid_field");
        }

        // Addressed to the hub but lacking the scope: 403.
        const forHub = await hub.api("POST", "/api/tokens", { scope: "vault:read", aud: "hub" });
        expect(forHub.status).toBe(201);
        const hubToken = ((await forHub.json()) as { token: string }).token;
        const res = await send(hub.origin, "GET", "/api/modules", undefined, {
          authorization: `Bearer ${hubToken}`,
        });
        expect(res.status).toBe(403);
        expect(await errorCode(res)).toBe("insufficient_scope");

        // Addressed to the vault (the default audience for vault:read): not a hub token at all.
        const forVault = await hub.api("POST", "/api/tokens", { scope: "vault:read" });
        expect(forVault.status).toBe(201);
        const vaultToken = ((await forVault.json()) as { token: string; aud: string[] }).token;
        const wrongAud = await send(hub.origin, "GET", "/api/modules", undefined, {
          authorization: `Bearer ${vaultToken}`,
        });
        expect(wrongAud.status).toBe(401);

        expect(
          (await send(hub.origin, "GET", "/api/modules", undefined, { authorization: "Bearer xyz" })).status,
        ).toBe(401);
      });
    },
    HUB_TEST_MS,
  );

  test(
    "the JWKS lists ES256 public keys only",
    async () => {
      await withHub({}, {}, async (hub) => {
        const res = await send(hub.origin, "GET", "/.well-known/jwks.json");
        expect(res.status).toBe(200);
        const text = await res.text();
        const { keys } = JSON.parse(text) as { keys: Record<string, unknown>[] };
        expect(keys.length).toBeGreaterThanOrEqual(1);
        for (const key of keys) {
          expect(key).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
          expect(typeof key.kid).toBe("string");
          for (const f of PRIVATE_JWK_FIELDS) expect(key[f]).toBeUndefined();
        }
        expect(text).not.toContain('"d":');
      });
    },
    HUB_TEST_MS,
  );
});

describe("secrets at rest", () => {
  test(
    "hub.db and operator.token are owner-only; logs hold no password, TOTP secret, key or token",
    async () => {
      const hub = await startHub(tempHome());
      let secrets: Record<string, string>;
      let sessionId: string;
      let backupCodes: string[];
      try {
        const totp = await enableTotp(hub);
        backupCodes = totp.backupCodes;
        // Failed and successful logins, whose details must not be logged.
        const failed = await login(hub.origin, { ...TEST_ADMIN, password: "wrong password here" });
        expect(failed.status).toBe(401);
        const ok = await login(hub.origin, { ...TEST_ADMIN, totp: totpNow(totp.secret) });
        expect(ok.status).toBe(200);
        sessionId = ok.headers.get("set-cookie")!.split(";")[0]!.split("=")[1]!;

        for (const f of ["hub.db", "hub.db-wal", "hub.db-shm", "operator.token"]) {
          const path = join(hub.home, f);
          if (f.startsWith("hub.db-") && !existsSync(path)) continue;
          expect({ f, mode: (statSync(path).mode & 0o777).toString(8) }).toEqual({ f, mode: "600" });
        }

        const db = new Database(join(hub.home, "hub.db"), { readonly: true });
        const keys = db.query("SELECT private_jwk FROM signing_keys").all() as { private_jwk: string }[];
        db.close();
        const privateD = keys.map((k) => (JSON.parse(k.private_jwk) as { d: string }).d);
        expect(privateD.length).toBeGreaterThan(0);
        secrets = {
          "TOTP secret": totp.secret,
          "admin password": TEST_ADMIN.password,
          "wrong password": "wrong password here",
          "backup code": backupCodes[0]!,
          "session id": sessionId,
          "operator token": hub.token,
          "setup token": TEST_SETUP_TOKEN,
          ...Object.fromEntries(privateD.map((d, i) => [`private key ${i}`, d])),
        };
      } finally {
        await hub.stop();
      }

      // Read everything the hub wrote, up to its last line, once it has stopped.
      const sources = {
        output: await stoppedOutput(hub),
        "hub.log": readFileSync(join(hub.home, "logs", "hub.log"), "utf8"),
      };
      for (const [where, text] of Object.entries(sources)) {
        expect(text).toContain("listening on");
        expect({ where, privateJwk: text.includes('"d":"') }).toEqual({ where, privateJwk: false });
        for (const [what, value] of Object.entries(secrets)) {
          expect({ where, what, found: text.includes(value) }).toEqual({ where, what, found: false });
        }
      }

      // hub.db itself keeps passwords, session ids and backup codes only as hashes.
      const raw = ["hub.db", "hub.db-wal"]
        .map((f) => join(hub.home, f))
        .filter((p) => existsSync(p))
        .map((p) => readFileSync(p).toString("latin1"))
        .join("");
      expect(raw).toContain("signing_keys");
      for (const [what, value] of Object.entries({
        "admin password": TEST_ADMIN.password,
        "session id": sessionId,
        "backup code": backupCodes[1]!,
      })) {
        expect({ what, found: raw.includes(value) }).toEqual({ what, found: false });
      }
    },
    HUB_TEST_MS,
  );
});
