import { createHash } from "node:crypto";
import { protectedResourceMetadata, validScopeList } from "@parachute/module-kit";
import { Hono } from "hono";
import { decodeJwt } from "jose";
import { HubError } from "../errors.ts";
import type { Hub } from "../hub.ts";
import type { Identity } from "../identity/identity.ts";
import type { OAuthStore } from "../identity/oauth-store.ts";
import { consentPage } from "./oauth-consent.ts";
import { htmlPage } from "./pages.ts";
import type { Site } from "./site.ts";
import { audiencesOf } from "./tokens-api.ts";

const ACCESS_TTL_S = 3600;

export interface OAuthDeps {
  identity: Identity;
  store: OAuthStore;
  site: Site;
  hub: Hub;
}

/** An OAuth error in the token endpoint's shape (RFC 6749 §5.2). */
function oauthError(status: number, error: string, description: string): Response {
  return Response.json(
    { error, error_description: description },
    { status, headers: { "cache-control": "no-store" } },
  );
}

function validRedirect(uri: string): boolean {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  if (u.hash || u.username || u.password) return false;
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(u.hostname);
  return u.protocol === "https:" || (u.protocol === "http:" && loopback);
}

const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

/** RFC 8414 metadata, RFC 7591 registration, authorize + consent, token (PKCE S256), RFC 7009 revocation. */
export function oauthRoutes(deps: OAuthDeps): Hono {
  const { identity, store, site } = deps;
  const app = new Hono();

  app.get("/.well-known/oauth-authorization-server", (c) => {
    const issuer = site.origin(c.req.raw);
    return c.json({
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      registration_endpoint: `${issuer}/oauth/register`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["none"],
      revocation_endpoint_auth_methods_supported: ["none"],
      scopes_supported: deps.hub.installed.scopes(),
    });
  });

  // RFC 9728: metadata for a module's protected resource, found from the resource's own path.
  app.get("/.well-known/oauth-protected-resource/*", (c) => {
    const path = c.req.path.slice("/.well-known/oauth-protected-resource".length);
    const route = deps.hub.installed.routes().match(path);
    if (!route) throw new HubError("not_found", "not_found", `no protected resource at ${path}`);
    const origin = site.origin(c.req.raw);
    const scopes = deps.hub.installed.scopes().filter((s) => s.startsWith(`${route.short}:`));
    return c.json(protectedResourceMetadata(`${origin}${path}`, origin, scopes));
  });

  app.post("/oauth/register", async (c) => {
    // RFC 7591: unknown client metadata is ignored, not refused.
    let body: Record<string, unknown>;
    try {
      const text = await c.req.text();
      if (text.length > 16 * 1024)
        return oauthError(413, "invalid_client_metadata", "the registration is too large");
      body = JSON.parse(text);
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("not an object");
    } catch {
      return oauthError(400, "invalid_client_metadata", "the body must be a JSON object");
    }
    const uris = body.redirect_uris;
    if (
      !Array.isArray(uris) ||
      uris.length === 0 ||
      uris.length > 10 ||
      !uris.every((u) => typeof u === "string" && validRedirect(u))
    ) {
      return oauthError(
        400,
        "invalid_redirect_uri",
        "redirect_uris must be 1–10 https (or loopback http) URLs without fragments",
      );
    }
    if (body.token_endpoint_auth_method !== undefined && body.token_endpoint_auth_method !== "none") {
      return oauthError(
        400,
        "invalid_client_metadata",
        "only public clients (token_endpoint_auth_method none) are supported",
      );
    }
    const name = typeof body.client_name === "string" ? body.client_name.slice(0, 100) : "Unnamed app";
    const client = store.registerClient(name, uris as string[]);
    return c.json(
      {
        client_id: client.clientId,
        client_name: client.name,
        redirect_uris: client.redirectUris,
        token_endpoint_auth_method: "none",
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        client_id_issued_at: Math.floor(Date.now() / 1000),
      },
      201,
    );
  });

  app.get("/oauth/authorize", (c) => {
    const q = c.req.query();
    const client = store.client(q.client_id ?? "");
    if (!client || !q.redirect_uri || !client.redirectUris.includes(q.redirect_uri)) {
      return htmlPage(
        "Cannot authorize",
        "<p>Unknown app, or a redirect address it did not register.</p>",
        400,
      );
    }
    const back = (error: string, description: string) => {
      const u = new URL(q.redirect_uri!);
      u.searchParams.set("error", error);
      u.searchParams.set("error_description", description);
      if (q.state) u.searchParams.set("state", q.state);
      return c.redirect(u.toString(), 302);
    };
    if (q.response_type !== "code") return back("unsupported_response_type", "only response_type=code");
    if (q.code_challenge_method !== "S256" || !/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge ?? "")) {
      return back("invalid_request", "PKCE with code_challenge_method=S256 is required");
    }
    const scope = (q.scope ?? "").trim().replace(/\s+/g, " ");
    if (!validScopeList(scope)) return back("invalid_scope", "scope must list scopes such as vault:read");
    const found = identity.session(c.req.raw, site.secure(c.req.raw));
    if (!found)
      return c.redirect(
        `/login?next=${encodeURIComponent(c.req.url.slice(new URL(c.req.url).origin.length))}`,
        302,
      );
    return consentPage(client.name, new URL(q.redirect_uri).host, scope.split(" "), {
      client_id: client.clientId,
      redirect_uri: q.redirect_uri,
      scope,
      state: q.state ?? "",
      code_challenge: q.code_challenge!,
      resource: q.resource ?? "",
      csrf: found.session.csrf,
    });
  });

  app.post("/oauth/authorize", async (c) => {
    const form = await c.req.formData();
    const get = (k: string) => (typeof form.get(k) === "string" ? (form.get(k) as string) : "");
    const found = identity.session(c.req.raw, site.secure(c.req.raw));
    if (!found) throw new HubError("unauthorized", "unauthorized", "log in first");
    identity.checkCsrf(c.req.raw, found.session, site.origin(c.req.raw), get("csrf"));
    const client = store.client(get("client_id"));
    const redirectUri = get("redirect_uri");
    if (!client || !client.redirectUris.includes(redirectUri))
      throw new HubError("invalid", "invalid_client", "unknown app or redirect address");
    const scope = get("scope");
    if (!validScopeList(scope) || !/^[A-Za-z0-9_-]{43}$/.test(get("code_challenge"))) {
      throw new HubError("invalid", "invalid_request", "the authorization request was altered");
    }
    const target = new URL(redirectUri);
    if (get("state")) target.searchParams.set("state", get("state"));
    target.searchParams.set("iss", site.origin(c.req.raw));
    if (get("decision") !== "allow") {
      target.searchParams.set("error", "access_denied");
      return c.redirect(target.toString(), 303);
    }
    const code = store.issueCode({
      clientId: client.clientId,
      userId: found.session.userId,
      redirectUri,
      scope,
      resource: get("resource") || null,
      challenge: get("code_challenge"),
    });
    target.searchParams.set("code", code);
    return c.redirect(target.toString(), 303);
  });

  app.post("/oauth/token", async (c) => {
    const form = await c.req.formData().catch(() => null);
    if (!form) return oauthError(400, "invalid_request", "send application/x-www-form-urlencoded");
    const get = (k: string) => (typeof form.get(k) === "string" ? (form.get(k) as string) : "");
    const grantType = get("grant_type");
    if (grantType === "authorization_code") {
      const grant = store.redeemCode(get("code"));
      if (!grant || grant.clientId !== get("client_id") || grant.redirectUri !== get("redirect_uri")) {
        return oauthError(400, "invalid_grant", "the code is unknown, used, expired or not yours");
      }
      if (
        !/^[A-Za-z0-9._~-]{43,128}$/.test(get("code_verifier")) ||
        s256(get("code_verifier")) !== grant.challenge
      ) {
        return oauthError(400, "invalid_grant", "the code_verifier does not match the code_challenge");
      }
      const refresh = store.issueRefresh(grant);
      return c.json(await tokenResponse(grant, refresh.token, refresh.family), 200, {
        "cache-control": "no-store",
      });
    }
    if (grantType === "refresh_token") {
      const used = store.useRefresh(get("refresh_token"));
      if (!used) return oauthError(400, "invalid_grant", "the refresh token is unknown, expired or revoked");
      if ("reused" in used) {
        identity.issuer.revokeLabel(`oauth:${used.reused}`);
        return oauthError(
          400,
          "invalid_grant",
          "the refresh token was already used; every token of this grant is revoked",
        );
      }
      if (used.grant.clientId !== get("client_id"))
        return oauthError(400, "invalid_grant", "the refresh token is not yours");
      const next = store.issueRefresh(used.grant);
      return c.json(await tokenResponse(used.grant, next.token, used.grant.family), 200, {
        "cache-control": "no-store",
      });
    }
    return oauthError(400, "unsupported_grant_type", "use authorization_code or refresh_token");
  });

  app.post("/oauth/revoke", async (c) => {
    const form = await c.req.formData().catch(() => null);
    const token = typeof form?.get("token") === "string" ? (form.get("token") as string) : "";
    const family = store.familyOf(token);
    if (family) {
      store.revokeFamily(family);
      identity.issuer.revokeLabel(`oauth:${family}`);
    } else {
      try {
        const jti = decodeJwt(token).jti;
        if (typeof jti === "string") identity.issuer.revoke(jti);
      } catch {
        // RFC 7009: an unknown or malformed token is answered like a revoked one.
      }
    }
    return c.body(null, 200);
  });

  async function tokenResponse(
    grant: { userId: number; scope: string; resource: string | null },
    refresh: string,
    family: string,
  ) {
    const user = identity.users.byId(grant.userId);
    const fromResource = grant.resource ? deps.hub.installed.routes().match(safePath(grant.resource)) : null;
    const auds = fromResource ? [fromResource.short] : audiencesOf(grant.scope);
    const issued = await identity.issuer.issue({
      sub: user?.username ?? String(grant.userId),
      aud: auds.length === 1 ? auds[0]! : auds,
      scope: grant.scope,
      ttlS: ACCESS_TTL_S,
      kind: "oauth",
      label: `oauth:${family}`,
    });
    return {
      access_token: issued.token,
      token_type: "Bearer",
      expires_in: ACCESS_TTL_S,
      refresh_token: refresh,
      scope: grant.scope,
    };
  }

  return app;
}

function safePath(resource: string): string {
  try {
    return new URL(resource).pathname;
  } catch {
    return "/";
  }
}
