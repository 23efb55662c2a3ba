/**
 * The hub as identity provider (PRODUCT §6, §7, §16), against real hub processes: first-boot setup,
 * passwords, the login throttle, TOTP, session cookies, CSRF, auth at the proxy, tokens and what is
 * kept at rest.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TokenVerifier } from "@parachute/module-kit";
import { Secret, TOTP } from "otpauth";
import { makeFixture } from "../testing/fixtures.ts";
import {
  type HubProcess,
  runCli,
  startHub,
  TEST_ADMIN,
  TEST_SETUP_TOKEN,
  tempHome,
  waitFor,
} from "../testing/hub-process.ts";

const HUB_TEST_MS = 30_000;
const PRIVATE_JWK_FIELDS = ["d", "p", "q", "dp", "dq", "qi", "k"];

/** A JSON request; `headers` are added as given (a cookie, a CSRF token, an Origin). */
function send(
  origin: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${origin}${path}`, {
    method,
    redirect: "manual",
    headers: {
      accept: "application/json",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** The `error` code of a JSON error response. */
async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: string }).error;
}

/** Runs `fn` with a hub that is always stopped afterwards. */
async function withHub(
  env: Record<string, string>,
  opts: { setup?: boolean },
  fn: (hub: HubProcess) => Promise<void>,
): Promise<void> {
  const hub = await startHub(tempHome(), env, opts);
  try {
    await fn(hub);
  } finally {
    await hub.stop();
  }
}

/** Headers for a cookie-authenticated state change that passes CSRF. */
function csrfHeaders(hub: HubProcess, origin = hub.origin): Record<string, string> {
  return { cookie: hub.session!.cookie, "x-csrf-token": hub.session!.csrf, origin };
}

function login(origin: string, body: Record<string, string>): Promise<Response> {
  return send(origin, "POST", "/api/login", body);
}

/** Waits until `ms` have passed since `from` (a Retry-After period), polling the clock. */
function waitUntil(from: number, ms: number, what: string): Promise<true> {
  return waitFor(() => performance.now() >= from + ms || null, what, ms + 2_000);
}

/** Everything a stopped hub printed, once its last line ("stopped") has been read. */
function stoppedOutput(hub: HubProcess): Promise<string> {
  return waitFor(() => (/\[hub\] stopped\n/.test(hub.output()) ? hub.output() : null), "the hub's last line");
}

/** The TOTP code for a base32 secret right now. */
function totpNow(secret: string): string {
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate();
}

/** Turns on 2FA for the admin through the API; returns the secret and backup codes. */
async function enableTotp(hub: HubProcess): Promise<{ secret: string; backupCodes: string[] }> {
  const enroll = await send(hub.origin, "POST", "/api/account/2fa/enroll", {}, csrfHeaders(hub));
  expect(enroll.status).toBe(200);
  const { secret, uri } = (await enroll.json()) as { secret: string; uri: string };
  expect(uri).toStartWith("otpauth://totp/");
  const confirm = await send(
    hub.origin,
    "POST",
    "/api/account/2fa/confirm",
    { code: totpNow(secret) },
    csrfHeaders(hub),
  );
  expect(confirm.status).toBe(200);
  const { backupCodes } = (await confirm.json()) as { backupCodes: string[] };
  return { secret, backupCodes };
}

describe("first boot", () => {
  test(
    "only health, well-known and setup are open; the printed setup token works once",
    async () => {
      const home = tempHome();
      const hub = await startHub(home, { PARACHUTE_SETUP_TOKEN: "" }, { setup: false });
      let token: string;
      try {
        const needed = await send(hub.origin, "GET", "/api/setup");
        expect(needed.status).toBe(200);
        expect(await needed.json()).toEqual({ needed: true });

        for (const path of ["/api/modules", "/api/status", "/api/tokens", "/api/session", "/login"]) {
          const res = await send(hub.origin, "GET", path);
          expect(res.status).toBe(401);
          expect(await errorCode(res)).toBe("setup_required");
        }
        const browser = await fetch(`${hub.origin}/`, {
          headers: { accept: "text/html" },
          redirect: "manual",
        });
        expect(browser.status).toBe(302);
        expect(browser.headers.get("location")).toBe("/admin/setup");
        expect((await send(hub.origin, "GET", "/health")).status).toBe(200);
        expect((await send(hub.origin, "GET", "/.well-known/jwks.json")).status).toBe(200);

        // The hub made up a token and printed it, since none was deployed with it.
        const printed = await waitFor(
          () => /with the setup token (\S+)/.exec(hub.output())?.[1],
          "the setup token in the hub's output",
        );
        token = printed;
        expect(token).not.toBe(TEST_SETUP_TOKEN);
        expect(token.length).toBeGreaterThanOrEqual(16);

        const wrong = await send(hub.origin, "POST", "/api/setup", {
          token: `${token}x`,
          ...TEST_ADMIN,
        });
        expect(wrong.status).toBe(403);
        expect(await errorCode(wrong)).toBe("bad_setup_token");
        expect(await (await send(hub.origin, "GET", "/api/setup")).json()).toEqual({ needed: true });

        const right = await send(hub.origin, "POST", "/api/setup", { token, ...TEST_ADMIN });
        expect(right.status).toBe(201);
        expect(right.headers.get("set-cookie")).toMatch(/^parachute_session=[^;]{43,};/);
        expect(((await right.json()) as { csrf: string }).csrf.length).toBeGreaterThan(16);

        const again = await send(hub.origin, "POST", "/api/setup", {
          token,
          username: "intruder",
          password: "another long password",
        });
        expect(again.status).toBe(409);
        expect(await errorCode(again)).toBe("already_set_up");
        expect(await (await send(hub.origin, "GET", "/api/setup")).json()).toEqual({ needed: false });
        // The hub is open now: an anonymous API call is an ordinary 401, not setup_required.
        expect(await errorCode(await send(hub.origin, "GET", "/api/modules"))).toBe("unauthorized");
      } finally {
        await hub.stop();
      }

      // After a restart the consumed token is neither printed again nor accepted.
      const restarted = await startHub(home, { PARACHUTE_SETUP_TOKEN: "" }, { setup: false });
      try {
        const res = await send(restarted.origin, "POST", "/api/setup", {
          token,
          username: "intruder",
          password: "another long password",
        });
        expect(res.status).toBe(409);
        const intruder = await login(restarted.origin, {
          username: "intruder",
          password: "another long password",
        });
        expect(intruder.status).toBe(401);
      } finally {
        await restarted.stop();
      }
      const output = await stoppedOutput(restarted);
      expect(output).not.toContain(token);
      expect(output).not.toContain("first boot");
    },
    HUB_TEST_MS,
  );

  test(
    "concurrent setups with the one-time token create exactly one admin",
    async () => {
      await withHub({}, { setup: false }, async (hub) => {
        const names = ["alice", "bob", "carol"];
        const password = "a long enough password";
        const answers = await Promise.all(
          names.map((username) =>
            send(hub.origin, "POST", "/api/setup", { token: TEST_SETUP_TOKEN, username, password }),
          ),
        );
        const statuses = answers.map((r) => r.status);
        expect(statuses.filter((s) => s === 201)).toHaveLength(1);
        expect(statuses.filter((s) => s === 409)).toHaveLength(names.length - 1);
        const logins = await Promise.all(names.map((username) => login(hub.origin, { username, password })));
        expect(logins.filter((r) => r.status === 200)).toHaveLength(1);
      });
    },
    HUB_TEST_MS,
  );

  test(
    "a password under 12 characters is refused, naming the password, and creates nothing",
    async () => {
      await withHub({}, { setup: false }, async (hub) => {
        const res = await send(hub.origin, "POST", "/api/setup", {
          token: TEST_SETUP_TOKEN,
          username: "admin",
          password: "elevenchars",
        });
        expect(res.status).toBe(400);
        const body = (await res.json()) as { error: string; message: string };
        expect(body.message).toContain('"password"');
        expect(body.message).toContain("12");
        expect(await (await send(hub.origin, "GET", "/api/setup")).json()).toEqual({ needed: true });
        // The token was not spent: setup with a good password still works.
        const ok = await send(hub.origin, "POST", "/api/setup", {
          token: TEST_SETUP_TOKEN,
          username: "admin",
          password: "twelve chars",
        });
        expect(ok.status).toBe(201);
      });
    },
    HUB_TEST_MS,
  );

  test(
    "a corrupt hub.db stops the hub, named in the output, and is left as it was",
    async () => {
      const home = tempHome();
      const dbPath = join(home, "hub.db");
      const garbage = new Uint8Array(8192);
      for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 251;
      writeFileSync(dbPath, garbage);
      const err = await startHub(home, {}, { setup: false }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err).not.toBeNull();
      expect(err!.message).toContain(dbPath);
      expect(new Uint8Array(readFileSync(dbPath))).toEqual(garbage);
      expect(existsSync(join(home, "operator.token"))).toBe(false);
    },
    HUB_TEST_MS,
  );
});

describe("logging in", () => {
  test(
    "failed logins are throttled with a growing Retry-After, refusing even the right password",
    async () => {
      await withHub({}, {}, async (hub) => {
        const wrong = { username: TEST_ADMIN.username, password: "not the password at all" };
        for (let i = 0; i < 3; i++) {
          const res = await login(hub.origin, wrong);
          expect(res.status).toBe(401);
          expect(await errorCode(res)).toBe("invalid_credentials");
        }
        const waits: number[] = [];
        for (let i = 0; i < 3; i++) {
          const res = await login(hub.origin, wrong);
          const at = performance.now();
          expect(res.status).toBe(429);
          const body = (await res.json()) as { error: string; message: string };
          expect(body.error).toBe("throttled");
          const retryAfter = Number(res.headers.get("retry-after"));
          expect(retryAfter).toBeGreaterThan(0);
          expect(body.message).toContain(`${retryAfter} s`);
          waits.push(retryAfter);
          // While throttled, the right password is refused too.
          const right = await login(hub.origin, TEST_ADMIN);
          expect(right.status).toBe(429);
          expect(right.headers.get("set-cookie")).toBeNull();
          if (i < 2) await waitUntil(at, retryAfter * 1000, "the Retry-After period to pass");
        }
        expect(waits).toEqual([1, 2, 4]);
      });
    },
    HUB_TEST_MS,
  );

  test(
    "a burst of concurrent guesses cannot outrun the throttle",
    async () => {
      await withHub({}, {}, async (hub) => {
        const wrong = { username: TEST_ADMIN.username, password: "not the password at all" };
        for (let i = 0; i < 3; i++) expect((await login(hub.origin, wrong)).status).toBe(401);
        // The free failures are spent: the next failure throttles. Twenty guesses in flight at once,
        // then the right password, must not get the right password through.
        const guesses = Array.from({ length: 20 }, () => login(hub.origin, wrong));
        const right = login(hub.origin, TEST_ADMIN);
        const statuses = (await Promise.all(guesses)).map((r) => r.status);
        expect((await right).status).toBe(429);
        expect(statuses.filter((s) => s !== 429)).toEqual([]);
      });
    },
    HUB_TEST_MS,
  );

  test(
    "with 2FA on, a login needs the current code or an unused backup code",
    async () => {
      await withHub({}, {}, async (hub) => {
        const { secret, backupCodes } = await enableTotp(hub);
        expect(backupCodes).toHaveLength(10);
        expect(new Set(backupCodes).size).toBe(10);

        const session = await send(hub.origin, "GET", "/api/session", undefined, {
          cookie: hub.session!.cookie,
        });
        expect(((await session.json()) as { user: { totp: boolean } }).user.totp).toBe(true);

        const bare = await login(hub.origin, TEST_ADMIN);
        expect(bare.status).toBe(401);
        expect(await errorCode(bare)).toBe("totp_required");
        expect(bare.headers.get("set-cookie")).toBeNull();

        const withCode = await login(hub.origin, { ...TEST_ADMIN, totp: totpNow(secret) });
        expect(withCode.status).toBe(200);
        expect(withCode.headers.get("set-cookie")).toMatch(/^parachute_session=/);

        const backup = backupCodes[0]!;
        const first = await login(hub.origin, { ...TEST_ADMIN, totp: backup });
        expect(first.status).toBe(200);
        const reused = await login(hub.origin, { ...TEST_ADMIN, totp: backup });
        expect(reused.status).toBe(401);
        expect(await errorCode(reused)).toBe("invalid_totp");
        // Another backup code still works.
        expect((await login(hub.origin, { ...TEST_ADMIN, totp: backupCodes[1]! })).status).toBe(200);
      });
    },
    HUB_TEST_MS,
  );
});

describe("sessions", () => {
  test(
    "on plain http the session cookie is parachute_session, HttpOnly, SameSite=Lax, not Secure",
    async () => {
      await withHub({}, {}, async (hub) => {
        const res = await login(hub.origin, TEST_ADMIN);
        expect(res.status).toBe(200);
        const setCookie = res.headers.get("set-cookie")!;
        const [pair, ...attrs] = setCookie.split(";").map((s) => s.trim());
        expect(pair).toMatch(/^parachute_session=[A-Za-z0-9_-]{43,}$/);
        expect(attrs).toContain("HttpOnly");
        expect(attrs).toContain("SameSite=Lax");
        expect(attrs).toContain("Path=/");
        expect(attrs.map((a) => a.toLowerCase())).not.toContain("secure");
        expect(setCookie.toLowerCase()).not.toContain("domain=");
        // A new login is a new session id.
        expect(pair).not.toBe(hub.session!.cookie);
      });
    },
    HUB_TEST_MS,
  );

  test(
    "behind an https origin the cookie is __Host-parachute_session and Secure",
    async () => {
      const site = "https://hub.example.test";
      await withHub({ PARACHUTE_HUB_ORIGIN: site }, {}, async (hub) => {
        expect(hub.session!.cookie).toMatch(/^__Host-parachute_session=/);
        const res = await send(hub.origin, "POST", "/api/login", TEST_ADMIN, { origin: site });
        expect(res.status).toBe(200);
        const setCookie = res.headers.get("set-cookie")!;
        const [pair, ...attrs] = setCookie.split(";").map((s) => s.trim());
        expect(pair).toMatch(/^__Host-parachute_session=[A-Za-z0-9_-]{43,}$/);
        expect(attrs).toContain("Secure");
        expect(attrs).toContain("HttpOnly");
        expect(attrs).toContain("SameSite=Lax");
        expect(attrs).toContain("Path=/");
        expect(setCookie.toLowerCase()).not.toContain("domain=");
        const csrf = ((await res.json()) as { csrf: string }).csrf;

        // The session works under its __Host- name only.
        expect((await send(hub.origin, "GET", "/api/session", undefined, { cookie: pair! })).status).toBe(
          200,
        );
        const unprefixed = pair!.replace(/^__Host-/, "");
        expect(
          (await send(hub.origin, "GET", "/api/session", undefined, { cookie: unprefixed })).status,
        ).toBe(401);

        // State changes must come from the https site, not the loopback address the request went to.
        const tokens = { scope: "hub:admin", ttl: "1h" };
        const fromLoopback = await send(hub.origin, "POST", "/api/tokens", tokens, {
          cookie: pair!,
          "x-csrf-token": csrf,
          origin: hub.origin,
        });
        expect(fromLoopback.status).toBe(403);
        expect(await errorCode(fromLoopback)).toBe("bad_origin");
        const fromSite = await send(hub.origin, "POST", "/api/tokens", tokens, {
          cookie: pair!,
          "x-csrf-token": csrf,
          origin: site,
        });
        expect(fromSite.status).toBe(201);
      });
    },
    HUB_TEST_MS,
  );

  test(
    "logging out ends the session for good",
    async () => {
      await withHub({}, {}, async (hub) => {
        const { cookie } = hub.session!;
        expect((await send(hub.origin, "GET", "/api/session", undefined, { cookie })).status).toBe(200);

        // A forged logout (no CSRF token) does not end the session.
        const forged = await send(hub.origin, "POST", "/api/logout", undefined, {
          cookie,
          origin: hub.origin,
        });
        expect(forged.status).toBe(403);
        expect((await send(hub.origin, "GET", "/api/session", undefined, { cookie })).status).toBe(200);

        const out = await send(hub.origin, "POST", "/api/logout", undefined, csrfHeaders(hub));
        expect(out.status).toBe(200);
        expect(out.headers.get("set-cookie")).toMatch(/^parachute_session=;.*Max-Age=0/);

        const after = await send(hub.origin, "GET", "/api/session", undefined, { cookie });
        expect(after.status).toBe(401);
        expect((await send(hub.origin, "GET", "/api/modules", undefined, { cookie })).status).toBe(401);
        const html = await fetch(`${hub.origin}/`, {
          headers: { accept: "text/html", cookie },
          redirect: "manual",
        });
        expect(html.headers.get("location")).toBe("/login");
      });
    },
    HUB_TEST_MS,
  );

  test(
    "cookie-authenticated state changes need the CSRF token and the hub's own Origin",
    async () => {
      await withHub({}, {}, async (hub) => {
        const { cookie, csrf } = hub.session!;
        const body = { scope: "hub:admin", ttl: "1h" };

        const noToken = await send(hub.origin, "POST", "/api/tokens", body, { cookie, origin: hub.origin });
        expect(noToken.status).toBe(403);
        expect(await errorCode(noToken)).toBe("bad_csrf_token");

        const wrongToken = await send(hub.origin, "POST", "/api/tokens", body, {
          cookie,
          origin: hub.origin,
          "x-csrf-token": `${csrf.slice(0, -1)}${csrf.endsWith("A") ? "B" : "A"}`,
        });
        expect(wrongToken.status).toBe(403);
        expect(await errorCode(wrongToken)).toBe("bad_csrf_token");

        const evil = await send(hub.origin, "POST", "/api/tokens", body, {
          cookie,
          "x-csrf-token": csrf,
          origin: "http://evil.example",
        });
        expect(evil.status).toBe(403);
        expect(await errorCode(evil)).toBe("bad_origin");

        const noOrigin = await send(hub.origin, "POST", "/api/tokens", body, {
          cookie,
          "x-csrf-token": csrf,
        });
        expect(noOrigin.status).toBe(403);
        expect(await errorCode(noOrigin)).toBe("bad_origin");

        // None of the refused requests made a token.
        const before = (await (await hub.api("GET", "/api/tokens")).json()) as { tokens: unknown[] };

        const ok = await send(hub.origin, "POST", "/api/tokens", body, csrfHeaders(hub));
        expect(ok.status).toBe(201);
        const after = (await (await hub.api("GET", "/api/tokens")).json()) as { tokens: unknown[] };
        expect(after.tokens.length).toBe(before.tokens.length + 1);
        expect(before.tokens.filter((t) => (t as { kind: string }).kind === "api")).toHaveLength(0);

        // Reads need no CSRF token.
        const list = await send(hub.origin, "GET", "/api/tokens", undefined, { cookie });
        expect(list.status).toBe(200);
        expect((await send(hub.origin, "GET", "/api/modules", undefined, { cookie })).status).toBe(200);
      });
    },
    HUB_TEST_MS,
  );
});

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
          const res = await hub.api("POST", "/api/modules/install", { path: makeFixture(pkgs, f) });
          expect(res.status).toBe(201);
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

        // A request's own Authorization goes through untouched, session or not.
        for (const extra of [{}, { cookie }] as Record<string, string>[]) {
          const own = await send(hub.origin, "GET", "/secret/request", undefined, {
            authorization: "Bearer xyz",
            ...extra,
          });
          expect(own.status).toBe(200);
          const h = ((await own.json()) as { headers: Record<string, string> }).headers;
          expect(h.authorization).toBe("Bearer xyz");
          expect(h.cookie ?? "").not.toContain("parachute_session");
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
