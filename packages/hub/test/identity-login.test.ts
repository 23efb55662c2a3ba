import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startHub, TEST_ADMIN, TEST_SETUP_TOKEN, tempHome, waitFor } from "../testing/hub-process.ts";
import {
  csrfHeaders,
  enableTotp,
  errorCode,
  HUB_TEST_MS,
  login,
  send,
  stoppedOutput,
  totpNow,
  waitUntil,
  withHub,
} from "../testing/identity-helpers.ts";

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

        // State changes come from the https site, or from the hub's own page on the loopback
        // address the request went to (the admin on the hub's machine); never from another origin.
        const tokens = { scope: "hub:admin", ttl: "1h" };
        const fromLoopback = await send(hub.origin, "POST", "/api/tokens", tokens, {
          cookie: pair!,
          "x-csrf-token": csrf,
          origin: hub.origin,
        });
        expect(fromLoopback.status).toBe(201);
        for (const other of ["http://localhost:1", "http://127.0.0.1.evil.test", "https://evil.test"]) {
          const refused = await send(hub.origin, "POST", "/api/tokens", tokens, {
            cookie: pair!,
            "x-csrf-token": csrf,
            origin: other,
          });
          expect(refused.status).toBe(403);
          expect(await errorCode(refused)).toBe("bad_origin");
        }
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
