import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { type AppMode, type HubApp, hubApp } from "../testing/hub-app.ts";
import { TEST_ADMIN, TEST_SETUP_TOKEN } from "../testing/hub-process.ts";

/**
 * The hub's own routes, as assembled by `serve`: first in memory through `app.request`, then the same
 * suite behind the real front door on port 0.
 */
describe.each<AppMode>(["in memory", "on port 0"])("the hub's own app, %s", (mode) => {
  let hub: HubApp;
  beforeEach(async () => {
    hub = await hubApp(mode);
  });
  afterEach(async () => {
    await hub.close();
  });

  const json = (body: unknown, headers: Record<string, string> = {}) => ({
    method: "POST",
    headers: { "content-type": "application/json", origin: hub.origin, ...headers },
    body: JSON.stringify(body),
  });

  /** Runs the setup and returns the admin's cookie and CSRF token. */
  async function setUp(): Promise<{ cookie: string; csrf: string }> {
    const res = await hub.request("/api/setup", json({ token: TEST_SETUP_TOKEN, ...TEST_ADMIN }));
    expect(res.status).toBe(201);
    const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    return { cookie, csrf: ((await res.json()) as { csrf: string }).csrf };
  }

  test("/health answers ok with the version", async () => {
    const res = await hub.request("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok" });
  });

  test("before setup only health, discovery and setup are open; a browser is sent to setup", async () => {
    const api = await hub.request("/api/modules");
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ error: "setup_required" });
    const page = await hub.request("/", { headers: { accept: "text/html" } });
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe("/admin/setup");
    expect((await hub.request("/.well-known/jwks.json")).status).toBe(200);
    expect(await (await hub.request("/api/setup")).json()).toEqual({ needed: true });
  });

  test("setup refuses a wrong token and changes nothing; the right one creates the admin once", async () => {
    const wrong = await hub.request("/api/setup", json({ token: "not-the-token-at-all", ...TEST_ADMIN }));
    expect(wrong.status).toBe(403);
    expect(await (await hub.request("/api/setup")).json()).toEqual({ needed: true });
    await setUp();
    const again = await hub.request("/api/setup", json({ token: TEST_SETUP_TOKEN, ...TEST_ADMIN }));
    expect(again.status).toBe(409);
  });

  test("/logout's form needs the session's CSRF token: another site cannot log the admin out", async () => {
    const { cookie, csrf } = await setUp();
    const post = (form: Record<string, string>, origin = hub.origin) =>
      hub.request("/logout", {
        method: "POST",
        headers: { cookie, origin, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form).toString(),
        redirect: "manual",
      });
    expect((await post({})).status).toBe(403);
    expect((await post({ csrf }, "https://evil.example")).status).toBe(403);
    expect((await hub.request("/api/session", { headers: { cookie } })).status).toBe(200); // still logged in
    const out = await post({ csrf });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/login");
    expect((await hub.request("/api/session", { headers: { cookie } })).status).toBe(401);
  });

  test("from a browser session, the password and two-factor change only with the current password", async () => {
    const { cookie, csrf } = await setUp();
    const headers = { cookie, "x-csrf-token": csrf };
    const without = await hub.request(
      "/api/account/password",
      json({ password: "another long password" }, headers),
    );
    expect(without.status).toBe(403);
    expect(((await without.json()) as { error: string }).error).toBe("wrong_password");
    const wrong = await hub.request(
      "/api/account/2fa/disable",
      json({ current: "not the password" }, headers),
    );
    expect(wrong.status).toBe(403);
    const right = await hub.request(
      "/api/account/password",
      json({ password: "another long password", current: TEST_ADMIN.password }, headers),
    );
    expect(right.status).toBe(200);
  });

  test("a session reads its state; a state change needs the CSRF token; a token it makes works as a bearer", async () => {
    const { cookie, csrf } = await setUp();
    const session = await hub.request("/api/session", { headers: { cookie } });
    expect(await session.json()).toMatchObject({ user: { username: TEST_ADMIN.username }, csrf });
    expect(session.headers.get("cache-control")).toBe("no-store"); // it carries the CSRF token
    const noCsrf = await hub.request("/api/tokens", json({ scope: "hub:admin" }, { cookie }));
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.headers.get("cache-control")).toBe("no-store");
    const made = await hub.request(
      "/api/tokens",
      json({ scope: "hub:admin", ttl: "15m" }, { cookie, "x-csrf-token": csrf }),
    );
    expect(made.status).toBe(201);
    const { token } = (await made.json()) as { token: string };
    const status = await hub.request("/api/status", { headers: { authorization: `Bearer ${token}` } });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ modules: [] });
  });

  test("bad bodies are refused with the field named; unknown paths are 404 in JSON", async () => {
    const { cookie, csrf } = await setUp();
    const headers = { cookie, "x-csrf-token": csrf };
    const unknown = await hub.request("/api/tokens", json({ scope: "hub:admin", extra: 1 }, headers));
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: "unknown_field" });
    const ttl = await hub.request("/api/tokens", json({ scope: "hub:admin", ttl: "forever" }, headers));
    expect(await ttl.json()).toMatchObject({ error: "invalid_field" });
    const broken = await hub.request("/api/tokens", { ...json({}, headers), body: "{nope" });
    expect(broken.status).toBe(400);
    const missing = await hub.request("/api/nothing-here", { headers: { cookie } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "not_found" });
  });

  test("OAuth: metadata names the endpoints; registration answers 201; the token endpoint speaks RFC 6749 errors", async () => {
    await setUp();
    const meta = (await (await hub.request("/.well-known/oauth-authorization-server")).json()) as Record<
      string,
      unknown
    >;
    expect(meta.token_endpoint).toBe(`${hub.origin}/oauth/token`);
    expect(meta.code_challenge_methods_supported).toEqual(["S256"]);
    const reg = await hub.request(
      "/oauth/register",
      json({ client_name: "In-memory client", redirect_uris: ["http://127.0.0.1:9/cb"] }),
    );
    expect(reg.status).toBe(201);
    const bad = await hub.request("/oauth/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=password",
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: "unsupported_grant_type",
      error_description: "use authorization_code or refresh_token",
    });
    expect(bad.headers.get("cache-control")).toBe("no-store");
  });
});
