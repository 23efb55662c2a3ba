import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { makeFixture } from "../testing/fixtures.ts";
import { type HubProcess, startHub, TEST_SETUP_TOKEN, tempHome } from "../testing/hub-process.ts";
import { csrfHeaders, errorCode, send } from "../testing/identity-helpers.ts";
import { rawGet, rawRequest } from "../testing/raw-http.ts";

/** A hub token for `scope`, made with the operator token. */
async function tokenFor(hub: HubProcess, scope: string): Promise<{ token: string; jti: string }> {
  const res = await hub.api("POST", "/api/tokens", { scope, ttl: "15m" });
  expect(res.status).toBe(201);
  return (await res.json()) as { token: string; jti: string };
}

/** An unsigned token (`alg: none`) with the given claims. */
function unsigned(claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}

describe("hostile requests at the hub's front door and proxy", () => {
  let hub: HubProcess;

  beforeAll(async () => {
    hub = await startHub(tempHome(), { PARACHUTE_ALLOWED_HOSTS: "parachute.lan" });
    const pkgs = tempHome();
    for (const f of [
      { name: "secret", port: 1944, public: false, websocket: true },
      { name: "issuer", port: 1945, public: false, ownTokens: true },
    ]) {
      const res = await hub.op("POST", "/api/modules/install", { path: makeFixture(pkgs, f) });
      expect(res.status).toBe(200);
    }
  }, 30_000);
  afterAll(async () => {
    await hub?.stop();
  });

  test("a foreign Host is refused before routing (DNS rebinding); loopback, configured and added names pass", async () => {
    for (const target of ["/api/setup", "/secret/.parachute/info", "/.well-known/jwks.json"]) {
      const evil = await rawGet(hub.port, target, "evil.example.com");
      expect(evil.status, target).toBe(400);
      expect(evil.body).toContain("unknown_host");
    }
    for (const host of ["localhost", `127.0.0.1:${hub.port}`, `[::1]:${hub.port}`, "parachute.lan:443"]) {
      expect((await rawGet(hub.port, "/secret/.parachute/info", host)).status, host).toBe(200);
    }
    // Platform health checks come with whatever Host the platform uses.
    expect((await rawGet(hub.port, "/health", "10.1.2.3:8080")).status).toBe(200);
  });

  test("HTTP/1.0 without Host is a 400, not a 500", async () => {
    const res = await rawRequest(hub.port, "GET /health HTTP/1.0\r\n\r\n");
    expect(res.status).toBe(400);
    expect(res.body).toContain("missing_host");
  });

  test("a junk, Basic or unsigned credential never reaches a module; a hub token for it does", async () => {
    const { token } = await tokenFor(hub, "secret:read");
    const forOther = await tokenFor(hub, "issuer:read");
    const jwtShaped = unsigned({ sub: "admin", aud: "secret", scope: "secret:admin", exp: 4_000_000_000 });
    for (const authorization of [
      "Bearer garbage",
      "Basic Zm9vOmJhcg==",
      `Bearer ${jwtShaped}`,
      `Bearer ${forOther.token}`,
    ]) {
      for (const path of ["/secret/request", "/secret/.parachute/info"]) {
        const res = await send(hub.origin, "GET", path, undefined, { authorization });
        expect(res.status, `${authorization.slice(0, 20)} ${path}`).toBe(401);
        expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
        expect(res.headers.get("www-authenticate")).toContain("resource_metadata=");
      }
    }
    const ok = await send(hub.origin, "GET", "/secret/whoami", undefined, {
      authorization: `Bearer ${token}`,
    });
    expect(ok.status).toBe(200);
  });

  test("a module that issues its own tokens gets them; it still gets no junk JWT", async () => {
    const own = await send(hub.origin, "GET", "/issuer/request", undefined, {
      authorization: "Bearer pvt_abc",
    });
    expect(own.status).toBe(200);
    expect(((await own.json()) as { headers: Record<string, string> }).headers.authorization).toBe(
      "Bearer pvt_abc",
    );
    const forged = await send(hub.origin, "GET", "/issuer/request", undefined, {
      authorization: `Bearer ${unsigned({ sub: "x", aud: "issuer", exp: 4_000_000_000 })}`,
    });
    expect(forged.status).toBe(401);
  });

  test("a token revoked at the hub is refused by the proxy at once, whatever the module checks", async () => {
    const { token, jti } = await tokenFor(hub, "secret:read");
    const auth = { authorization: `Bearer ${token}` };
    // `/request` checks nothing itself: only the hub stands between a revoked token and the module.
    expect((await send(hub.origin, "GET", "/secret/request", undefined, auth)).status).toBe(200);
    expect((await hub.api("DELETE", `/api/tokens/${jti}`)).status).toBe(200);
    expect((await send(hub.origin, "GET", "/secret/request", undefined, auth)).status).toBe(401);
  });

  test("an unsigned token carrying a victim's jti revokes nothing", async () => {
    const victim = await tokenFor(hub, "secret:read");
    const forged = unsigned({ jti: victim.jti, sub: "admin", aud: "secret", exp: 4_000_000_000 });
    const res = await fetch(`${hub.origin}/oauth/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: forged }),
    });
    expect(res.status).toBe(200);
    const still = await send(hub.origin, "GET", "/secret/whoami", undefined, {
      authorization: `Bearer ${victim.token}`,
    });
    expect(still.status).toBe(200);
  });

  test("Connection: authorization cannot get a request past the gate without its credential", async () => {
    const { token } = await tokenFor(hub, "secret:read");
    const res = await send(hub.origin, "GET", "/secret/request", undefined, {
      authorization: `Bearer ${token}`,
      connection: "authorization",
    });
    // The credential is hop-by-hop now: the gate sees what the module would see, which is nothing.
    expect(res.status).toBe(401);
  });

  test("a session cookie spelled with a space is still stripped before a module sees it", async () => {
    const [name, value] = hub.session!.cookie.split("=") as [string, string];
    const res = await send(hub.origin, "GET", "/secret/request", undefined, {
      cookie: `${name} =${value}; theme=dark`,
    });
    expect(res.status).toBe(200);
    const seen = ((await res.json()) as { headers: Record<string, string> }).headers;
    expect(seen.cookie).toBe("theme=dark");
    expect(JSON.stringify(seen)).not.toContain(value);
  });

  test("a WebSocket on the admin's session must come from the hub's own pages", async () => {
    const open = (origin: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`${hub.origin.replace("http", "ws")}/secret/ws`, {
          headers: { cookie: hub.session!.cookie, origin },
        } as unknown as string[]);
        ws.onopen = () => {
          ws.close();
          resolve("open");
        };
        ws.onerror = () => resolve("refused");
      });
    expect(await open("https://evil.example")).toBe("refused");
    expect(await open(hub.origin)).toBe("open");
  });

  test("the protocol's public endpoints answer through the hub without a login", async () => {
    const info = await send(hub.origin, "GET", "/secret/.parachute/info");
    expect(info.status).toBe(200);
    expect(((await info.json()) as { name: string }).name).toBe("secret");
    expect((await send(hub.origin, "GET", "/secret/.parachute/config/schema")).status).toBe(200);
    expect((await send(hub.origin, "GET", "/secret/health")).status).toBe(200);
    expect((await send(hub.origin, "GET", "/secret/.parachute/config")).status).toBe(401);
  });

  test("a revoked token spelled unusually (a tab, no scheme) is verified like any other", async () => {
    const { token, jti } = await tokenFor(hub, "issuer:read");
    expect((await hub.api("DELETE", `/api/tokens/${jti}`)).status).toBe(200);
    for (const authorization of [`Bearer\t${token}`, token, `bearer   ${token}`]) {
      const res = await send(hub.origin, "GET", "/issuer/request", undefined, { authorization });
      expect(res.status, JSON.stringify(authorization.slice(0, 8))).toBe(401);
    }
  });

  test("a module cannot set the hub's session cookie; its own cookies pass", async () => {
    const { token } = await tokenFor(hub, "secret:read");
    const res = await send(hub.origin, "GET", "/secret/cookies", undefined, {
      authorization: `Bearer ${token}`,
    });
    expect(res.headers.getSetCookie()).toEqual(["own=1; Path=/"]);
  });

  test("a malformed Host is a 400, never a 500; client-address headers a module might believe are dropped", async () => {
    for (const host of ["localhost:@evil.com", "[::1]evil.com", "localhost:99999"]) {
      const res = await rawGet(hub.port, "/health", host);
      expect(res.status, host).toBe(400);
    }
    const { token } = await tokenFor(hub, "secret:read");
    const res = await send(hub.origin, "GET", "/secret/request", undefined, {
      authorization: `Bearer ${token}`,
      forwarded: "for=1.2.3.4;host=evil.com",
      "x-real-ip": "1.2.3.4",
      "x-forwarded-for": "6.6.6.6",
    });
    const seen = ((await res.json()) as { headers: Record<string, string> }).headers;
    expect(seen.forwarded).toBeUndefined();
    expect(seen["x-real-ip"]).toBeUndefined();
    expect(seen["x-forwarded-for"]).toBe("127.0.0.1");
  });

  test("absurdly nested JSON is a 400 naming the problem", async () => {
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    const res = await send(hub.origin, "POST", "/api/tokens", undefined, {
      ...csrfHeaders(hub),
      "content-type": "application/json",
    }).catch(() => null);
    expect(res?.status).not.toBe(500);
    const raw = await fetch(`${hub.origin}/api/tokens`, {
      method: "POST",
      headers: { ...csrfHeaders(hub), "content-type": "application/json" },
      body: `{"scope": ${deep}}`,
    });
    expect(raw.status).toBe(400);
    expect(await errorCode(raw)).toBe("too_deep");
  });
});

describe("before setup", () => {
  test("only a verifying operator token passes the first-boot lock, not any bearer", async () => {
    const hub = await startHub(tempHome(), {}, { setup: false });
    try {
      const register = (authorization?: string) =>
        fetch(`${hub.origin}/oauth/register`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
          body: JSON.stringify({ redirect_uris: ["http://127.0.0.1:9/cb"] }),
        });
      expect((await register("Bearer junk")).status).toBe(401);
      expect(
        (await register(`Bearer ${unsigned({ sub: "x", aud: "hub", scope: "hub:admin" })}`)).status,
      ).toBe(401);
      expect((await register()).status).toBe(401);
      expect((await register(`Bearer ${hub.token}`)).status).toBe(201);
      expect((await fetch(`${hub.origin}/api/setup`)).status).toBe(200);
      expect(TEST_SETUP_TOKEN.length).toBeGreaterThanOrEqual(16);
    } finally {
      await hub.stop();
    }
  }, 30_000);
});
