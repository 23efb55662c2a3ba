import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { runProgram, startHub, TEST_ADMIN, tempHome, waitFor } from "../testing/hub-process.ts";
import {
  enableTotp,
  errorCode,
  HUB_TEST_MS,
  login,
  send,
  waitUntil,
  withHub,
} from "../testing/identity-helpers.ts";

const BIN = join(import.meta.dir, "..", "src", "cli", "bin.ts");
const WRONG = { username: TEST_ADMIN.username, password: "not the password at all" };

/**
 * Makes `n` failed logins from `from` (as the trusted proxy reports it), each once the delay the one
 * before imposed has passed; a failure that imposes a delay answers 429 itself.
 */
async function failFrom(origin: string, from: string, n: number): Promise<void> {
  let waitMs = 0;
  for (let i = 0; i < n; i++) {
    await waitUntil(performance.now(), waitMs, "the delay to pass");
    const res = await send(origin, "POST", "/api/login", WRONG, { "x-forwarded-for": from });
    expect([401, 429]).toContain(res.status);
    waitMs = Number(res.headers.get("retry-after") ?? 0) * 1000;
  }
}

describe("logins under attack", () => {
  test(
    "2FA cannot be guessed without limit: a correct password never clears the failures",
    async () => {
      await withHub({}, {}, async (hub) => {
        await enableTotp(hub);
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) {
          const first = await login(hub.origin, TEST_ADMIN);
          statuses.push(first.status);
          const guess = await login(hub.origin, { ...TEST_ADMIN, totp: "000000" });
          statuses.push(guess.status);
        }
        expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
        expect(statuses).toContain(429);
        const last = await login(hub.origin, { ...TEST_ADMIN, totp: "000000" });
        expect(last.status).toBe(429);
        expect(Number(last.headers.get("retry-after"))).toBeGreaterThan(0);
      });
    },
    HUB_TEST_MS,
  );

  test(
    "failures from a shared address (every local user is loopback) are lifted by `auth unlock`",
    async () => {
      await withHub({}, {}, async (hub) => {
        let res: Response | undefined;
        for (let i = 0; i < 6 && res?.status !== 429; i++) res = await login(hub.origin, WRONG);
        expect(res?.status).toBe(429);
        expect((await login(hub.origin, TEST_ADMIN)).status).toBe(429);

        const unlock = await runProgram([process.execPath, BIN, "auth", "unlock"], {
          PARACHUTE_HOME: hub.home,
        });
        expect([unlock.code, unlock.stdout.trim()]).toEqual([
          0,
          "login and setup throttles cleared: the admin can log in again at once",
        ]);
        expect((await login(hub.origin, TEST_ADMIN)).status).toBe(200);
      });
    },
    HUB_TEST_MS,
  );

  test(
    "an attacker elsewhere cannot lock the admin out, and the count survives a restart",
    async () => {
      const home = tempHome();
      const env = { PARACHUTE_TRUSTED_PROXY: "x-forwarded-for" };
      let hub = await startHub(home, env);
      try {
        await failFrom(hub.origin, "10.6.6.6", 5);
        // The attacker's sixth failure imposes 4 s on its own address…
        const sixth = await send(hub.origin, "POST", "/api/login", WRONG, { "x-forwarded-for": "10.6.6.6" });
        expect([401, 429]).toContain(sixth.status);
        // …while the admin, elsewhere, waits at most the short per-username delay.
        const admin = await send(hub.origin, "POST", "/api/login", TEST_ADMIN, {
          "x-forwarded-for": "10.0.0.1",
        });
        if (admin.status === 429) {
          expect(Number(admin.headers.get("retry-after"))).toBeLessThanOrEqual(5);
          const at = performance.now();
          await waitUntil(at, Number(admin.headers.get("retry-after")) * 1000, "the short delay");
          const again = await send(hub.origin, "POST", "/api/login", TEST_ADMIN, {
            "x-forwarded-for": "10.0.0.1",
          });
          expect(again.status).toBe(200);
        } else expect(admin.status).toBe(200);

        await hub.stop();
        hub = await startHub(home, env);
        const after = await send(hub.origin, "POST", "/api/login", WRONG, { "x-forwarded-for": "10.6.6.6" });
        expect(after.status).toBe(429);
      } finally {
        await hub.stop();
      }
    },
    HUB_TEST_MS,
  );

  test(
    "without a trusted proxy, X-Forwarded-For is ignored: rotating it does not dodge the throttle",
    async () => {
      await withHub({}, {}, async (hub) => {
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) {
          const res = await send(hub.origin, "POST", "/api/login", WRONG, {
            "x-forwarded-for": `10.9.9.${i}`,
          });
          statuses.push(res.status);
        }
        expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
        expect(statuses.at(-1)).toBe(429);
      });
    },
    HUB_TEST_MS,
  );
});

describe("the setup token", () => {
  test(
    "a PARACHUTE_SETUP_TOKEN under 16 characters stops the hub with a clear error",
    async () => {
      const r = await runProgram([process.execPath, BIN, "serve", "--port", "0"], {
        PARACHUTE_HOME: tempHome(),
        PARACHUTE_SETUP_TOKEN: "a",
      });
      expect(r.code).toBe(7);
      expect(r.stderr).toContain("PARACHUTE_SETUP_TOKEN is shorter than 16 characters");
    },
    HUB_TEST_MS,
  );

  test(
    "the printed token is 26 letters and digits (selected whole by a double-click); wrong guesses are throttled",
    async () => {
      await withHub({ PARACHUTE_SETUP_TOKEN: "" }, { setup: false }, async (hub) => {
        const token = await waitFor(
          () => /with the setup token (\S+)/.exec(hub.output())?.[1],
          "the printed setup token",
        );
        expect(token).toMatch(/^[a-z2-7]{26}$/);
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) {
          const res = await send(hub.origin, "POST", "/api/setup", {
            token: `guess-${i}-abcdefghijkl`,
            ...TEST_ADMIN,
          });
          statuses.push(res.status);
          if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        }
        expect(statuses.slice(0, 3)).toEqual([403, 403, 403]);
        expect(statuses).toContain(429);
        expect(await (await send(hub.origin, "GET", "/api/setup")).json()).toEqual({ needed: true });
      });
    },
    HUB_TEST_MS,
  );
});

describe("OAuth registration", () => {
  test(
    "registrations from one address are bounded: past 20 an hour, 429 with Retry-After",
    async () => {
      await withHub({}, {}, async (hub) => {
        const register = () =>
          fetch(`${hub.origin}/oauth/register`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ client_name: "flood", redirect_uris: ["http://127.0.0.1:9/cb"] }),
          });
        const statuses: number[] = [];
        for (let i = 0; i < 25; i++) statuses.push((await register()).status);
        expect(statuses.slice(0, 20).every((s) => s === 201)).toBe(true);
        expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
        const refused = await register();
        expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(await errorCode(refused)).toBe("too_many_registrations");
        const tooLarge = await fetch(`${hub.origin}/oauth/register`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ client_name: "x".repeat(40_000), redirect_uris: ["http://127.0.0.1:9/cb"] }),
        });
        expect(tooLarge.status).toBe(413);
      });
    },
    HUB_TEST_MS,
  );
});
