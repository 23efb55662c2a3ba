import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { makeFixture } from "../testing/fixtures.ts";
import { type HubProcess, startHub, tempHome } from "../testing/hub-process.ts";

const REDIRECT = "http://127.0.0.1:53682/callback";

function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

describe("OAuth 2.1 for MCP clients, against a real hub", () => {
  let hub: HubProcess;
  let cookie: string;

  beforeAll(async () => {
    hub = await startHub(tempHome());
    cookie = hub.session!.cookie;
    const res = await hub.op("POST", "/api/modules/install", {
      path: makeFixture(tempHome(), { name: "alpha", port: 1941, public: false }),
    });
    expect(res.status).toBe(200);
  }, 30_000);
  afterAll(async () => {
    await hub?.stop();
  });

  async function register(): Promise<string> {
    const res = await fetch(`${hub.origin}/oauth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_name: "Test MCP client",
        redirect_uris: [REDIRECT],
        extra_field: "ignored",
      }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { client_id: string }).client_id;
  }

  /** Walks the browser part: the consent page, then the admin's "Allow"; returns the code. */
  async function authorize(clientId: string, challenge: string, scope = "alpha:read"): Promise<string> {
    const q = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: REDIRECT,
      scope,
      state: "st4te",
      code_challenge: challenge,
      code_challenge_method: "S256",
      resource: `${hub.origin}/alpha/whoami`,
    });
    const page = await fetch(`${hub.origin}/oauth/authorize?${q}`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Test MCP client");
    expect(html).toContain("read all your alphas");
    expect(html).toContain("An app on <strong>this computer</strong>");
    const hidden = Object.fromEntries(
      [...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, "&")]),
    );
    const form = new URLSearchParams({ ...hidden, decision: "allow" });
    const res = await fetch(`${hub.origin}/oauth/authorize`, {
      method: "POST",
      headers: { cookie, origin: hub.origin, "content-type": "application/x-www-form-urlencoded" },
      body: form,
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    const target = new URL(res.headers.get("location")!);
    expect(`${target.origin}${target.pathname}`).toBe(REDIRECT);
    expect(target.searchParams.get("state")).toBe("st4te");
    return target.searchParams.get("code")!;
  }

  const token = (params: Record<string, string>) =>
    fetch(`${hub.origin}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params),
    });

  test("metadata documents describe the server and the protected resource", async () => {
    const meta = (await (
      await fetch(`${hub.origin}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(meta.issuer).toBe(hub.origin);
    expect(meta.code_challenge_methods_supported).toEqual(["S256"]);
    expect(meta.registration_endpoint).toBe(`${hub.origin}/oauth/register`);
    const prm = (await (
      await fetch(`${hub.origin}/.well-known/oauth-protected-resource/alpha/whoami`)
    ).json()) as Record<string, unknown>;
    expect(prm.authorization_servers).toEqual([hub.origin]);
    expect(prm.resource).toBe(`${hub.origin}/alpha/whoami`);
  });

  test("register → authorize → code → token → protected module → refresh → reuse revokes the family", async () => {
    const clientId = await register();
    const { verifier, challenge } = pkce();
    const code = await authorize(clientId, challenge);

    const first = await token({
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT,
      client_id: clientId,
      code_verifier: verifier,
    });
    expect(first.status).toBe(200);
    const t1 = (await first.json()) as { access_token: string; refresh_token: string; token_type: string };
    expect(t1.token_type).toBe("Bearer");

    const call = (access: string) =>
      fetch(`${hub.origin}/alpha/whoami`, { headers: { authorization: `Bearer ${access}` } });
    const who = await call(t1.access_token);
    expect(who.status).toBe(200);
    expect(((await who.json()) as { sub: string; aud: string }).sub).toBe("admin");

    const second = await token({
      grant_type: "refresh_token",
      refresh_token: t1.refresh_token,
      client_id: clientId,
    });
    expect(second.status).toBe(200);
    const t2 = (await second.json()) as { access_token: string; refresh_token: string };
    expect(t2.refresh_token).not.toBe(t1.refresh_token);
    expect((await call(t2.access_token)).status).toBe(200);

    const reuse = await token({
      grant_type: "refresh_token",
      refresh_token: t1.refresh_token,
      client_id: clientId,
    });
    expect(reuse.status).toBe(400);
    expect(((await reuse.json()) as { error: string }).error).toBe("invalid_grant");
    const afterReuse = await token({
      grant_type: "refresh_token",
      refresh_token: t2.refresh_token,
      client_id: clientId,
    });
    expect(afterReuse.status).toBe(400);
    expect((await call(t2.access_token)).status).toBe(401);
    expect((await call(t1.access_token)).status).toBe(401);
  }, 30_000);

  test("a code presented twice revokes the tokens it gave; an unknown client is 401 invalid_client", async () => {
    const clientId = await register();
    const { verifier, challenge } = pkce();
    const code = await authorize(clientId, challenge);
    const grant = {
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT,
      client_id: clientId,
      code_verifier: verifier,
    };
    const first = (await (await token(grant)).json()) as { access_token: string; refresh_token: string };
    const use = () =>
      fetch(`${hub.origin}/alpha/whoami`, { headers: { authorization: `Bearer ${first.access_token}` } });
    expect((await use()).status).toBe(200);
    const again = await token(grant);
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: string }).error).toBe("invalid_grant");
    expect((await use()).status).toBe(401);
    const refresh = await token({
      grant_type: "refresh_token",
      refresh_token: first.refresh_token,
      client_id: clientId,
    });
    expect(refresh.status).toBe(400);

    const stranger = await token({ ...grant, client_id: "client_unknown" });
    expect(stranger.status).toBe(401);
    expect(((await stranger.json()) as { error: string }).error).toBe("invalid_client");
    const noGrantType = await token({ code, client_id: clientId });
    expect(((await noGrantType.json()) as { error: string }).error).toBe("invalid_request");
  }, 30_000);

  test("disconnecting an app ends its access tokens too; apps cannot get the hub's own scopes", async () => {
    const clientId = await register();
    const { verifier, challenge } = pkce();
    const code = await authorize(clientId, challenge);
    const grant = {
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT,
      client_id: clientId,
      code_verifier: verifier,
    };
    const { access_token } = (await (await token(grant)).json()) as { access_token: string };
    const use = () =>
      fetch(`${hub.origin}/alpha/whoami`, { headers: { authorization: `Bearer ${access_token}` } });
    expect((await use()).status).toBe(200);
    expect((await hub.api("DELETE", `/api/oauth/clients/${clientId}`)).status).toBe(200);
    expect((await use()).status).toBe(401);

    const other = await register();
    const q = new URLSearchParams({
      response_type: "code",
      client_id: other,
      redirect_uri: REDIRECT,
      scope: "hub:admin",
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    const res = await fetch(`${hub.origin}/oauth/authorize?${q}`, {
      headers: { cookie },
      redirect: "manual",
    });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get("location")!).searchParams.get("error")).toBe("invalid_scope");
  }, 30_000);

  test("a stranger cannot bounce through the hub to an app: errors go back only after a login", async () => {
    const clientId = await register();
    const q = new URLSearchParams({ response_type: "token", client_id: clientId, redirect_uri: REDIRECT });
    const res = await fetch(`${hub.origin}/oauth/authorize?${q}`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toStartWith("/login?next=");
  });

  test("a wrong verifier does not spend the code; the right one still works", async () => {
    const clientId = await register();
    const { verifier, challenge } = pkce();
    const code = await authorize(clientId, challenge);
    const grant = { grant_type: "authorization_code", code, redirect_uri: REDIRECT, client_id: clientId };
    expect((await token({ ...grant, code_verifier: pkce().verifier })).status).toBe(400);
    expect((await token({ ...grant, code_verifier: verifier })).status).toBe(200);
  }, 30_000);

  test("PKCE is required and checked; redirect URIs must match exactly", async () => {
    const clientId = await register();
    const { challenge } = pkce();
    const code = await authorize(clientId, challenge);
    const wrong = await token({
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT,
      client_id: clientId,
      code_verifier: pkce().verifier,
    });
    expect(wrong.status).toBe(400);

    const base = {
      response_type: "code",
      client_id: clientId,
      scope: "alpha:read",
      code_challenge: challenge,
    };
    const plain = await fetch(
      `${hub.origin}/oauth/authorize?${new URLSearchParams({ ...base, redirect_uri: REDIRECT, code_challenge_method: "plain" })}`,
      {
        headers: { cookie },
        redirect: "manual",
      },
    );
    expect(new URL(plain.headers.get("location")!).searchParams.get("error")).toBe("invalid_request");
    const otherRedirect = await fetch(
      `${hub.origin}/oauth/authorize?${new URLSearchParams({ ...base, redirect_uri: `${REDIRECT}/x`, code_challenge_method: "S256" })}`,
      { headers: { cookie }, redirect: "manual" },
    );
    expect(otherRedirect.status).toBe(400);
    expect(otherRedirect.headers.get("location")).toBeNull();
  }, 30_000);

  test("registration refuses unsafe redirect URIs", async () => {
    for (const uris of [
      ["http://evil.example/cb"],
      ["https://x.example/cb#frag"],
      [],
      ["javascript:alert(1)"],
    ]) {
      const res = await fetch(`${hub.origin}/oauth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_name: "x", redirect_uris: uris }),
      });
      expect(res.status).toBe(400);
    }
  });

  test("an anonymous authorize request is sent to log in first; a cross-site consent POST is refused", async () => {
    const clientId = await register();
    const q = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: REDIRECT,
      scope: "alpha:read",
      code_challenge: pkce().challenge,
      code_challenge_method: "S256",
    });
    const anon = await fetch(`${hub.origin}/oauth/authorize?${q}`, { redirect: "manual" });
    expect(anon.status).toBe(302);
    expect(anon.headers.get("location")).toStartWith("/login?next=");
    const forged = await fetch(`${hub.origin}/oauth/authorize`, {
      method: "POST",
      headers: { cookie, origin: "http://evil.example", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_id: clientId,
        redirect_uri: REDIRECT,
        scope: "alpha:read",
        decision: "allow",
      }),
      redirect: "manual",
    });
    expect(forged.status).toBe(403);
  });

  test("revoking a refresh token ends the grant", async () => {
    const clientId = await register();
    const { verifier, challenge } = pkce();
    const code = await authorize(clientId, challenge);
    const t = (await (
      await token({
        grant_type: "authorization_code",
        code,
        redirect_uri: REDIRECT,
        client_id: clientId,
        code_verifier: verifier,
      })
    ).json()) as {
      access_token: string;
      refresh_token: string;
    };
    const rev = await fetch(`${hub.origin}/oauth/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: t.refresh_token }),
    });
    expect(rev.status).toBe(200);
    expect(
      (await token({ grant_type: "refresh_token", refresh_token: t.refresh_token, client_id: clientId }))
        .status,
    ).toBe(400);
    expect(
      (await fetch(`${hub.origin}/alpha/whoami`, { headers: { authorization: `Bearer ${t.access_token}` } }))
        .status,
    ).toBe(401);
  }, 30_000);
});
