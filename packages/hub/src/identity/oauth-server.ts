import { createHash } from "node:crypto";
import { protectedResourceMetadata, validScopeList } from "@parachute/module-kit";
import { HubError } from "../errors.ts";
import type { RouteTable } from "../proxy/route-table.ts";
import type { TokenIssuer } from "./issuer.ts";
import { audiencesOf } from "./issuer.ts";
import type { Client, OAuthStore } from "./oauth-store.ts";
import type { Users } from "./users.ts";

const ACCESS_TTL_S = 3600;
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** Request parameters as the endpoints receive them (query or form), strings only. */
export type Params = Record<string, string | undefined>;

/** What `GET /oauth/authorize` leads to. */
export type AuthorizeOutcome =
  /** The client or its redirect address is unknown: say so to the person, never redirect. */
  | { outcome: "refuse"; message: string }
  /** A bad request from a known client: back to it with an error. */
  | { outcome: "redirect"; to: string }
  /** A sound request: ask the logged-in admin. */
  | { outcome: "consent"; client: Client; request: ConsentRequest };

/** What the consent form carries back, unchanged, with the admin's decision. */
interface ConsentRequest {
  client_id: string;
  redirect_uri: string;
  scope: string;
  state: string;
  code_challenge: string;
  resource: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token: string;
  scope: string;
}

export interface OAuthDeps {
  store: OAuthStore;
  issuer: TokenIssuer;
  users: Users;
  routes: () => RouteTable;
  scopes: () => string[];
}

/** An OAuth error: `code` is the RFC 6749 error, the message its description. */
const oauthError = (kind: "invalid" | "unauthorized" | "too_large", code: string, description: string) =>
  new HubError(kind, code, description);

const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

/**
 * The OAuth 2.1 authorization server (RFC 8414 metadata, RFC 7591 registration, authorization code
 * with PKCE S256, refresh rotation with reuse detection, RFC 7009 revocation, RFC 9728 resource
 * metadata), free of HTTP: it takes parameters and returns results or throws HubErrors whose code is
 * the RFC's error.
 */
export class OAuthServer {
  constructor(private readonly deps: OAuthDeps) {}

  metadata(issuer: string) {
    return {
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
      scopes_supported: this.deps.scopes(),
    };
  }

  /** RFC 9728 metadata for the module resource at `path`, or null when no module serves it. */
  resourceMetadata(origin: string, path: string) {
    const route = this.deps.routes().match(path);
    if (!route) return null;
    const scopes = this.deps.scopes().filter((s) => s.startsWith(`${route.short}:`));
    return protectedResourceMetadata(`${origin}${path}`, origin, scopes);
  }

  /** RFC 7591: registers a public client; unknown metadata is ignored, not refused. */
  register(text: string, from: string) {
    if (text.length > 16 * 1024)
      throw oauthError("too_large", "invalid_client_metadata", "the registration is too large");
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text);
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("not an object");
    } catch {
      throw oauthError("invalid", "invalid_client_metadata", "the body must be a JSON object");
    }
    const uris = body.redirect_uris;
    const fit = (u: unknown) => typeof u === "string" && u.length <= 2048 && validRedirect(u);
    if (!Array.isArray(uris) || uris.length === 0 || uris.length > 10 || !uris.every(fit)) {
      throw oauthError(
        "invalid",
        "invalid_redirect_uri",
        "redirect_uris must be 1–10 https (or loopback http) URLs without fragments",
      );
    }
    if (body.token_endpoint_auth_method !== undefined && body.token_endpoint_auth_method !== "none") {
      throw oauthError(
        "invalid",
        "invalid_client_metadata",
        "only public clients (token_endpoint_auth_method none) are supported",
      );
    }
    const name = typeof body.client_name === "string" ? body.client_name.slice(0, 100) : "Unnamed app";
    const client = this.deps.store.registerClient(name, uris as string[], from);
    if ("retryAfterS" in client) {
      throw new HubError(
        "throttled",
        "too_many_registrations",
        "too many apps were registered; try again later",
        {
          retryAfterS: client.retryAfterS,
        },
      );
    }
    return {
      client_id: client.clientId,
      client_name: client.name,
      redirect_uris: client.redirectUris,
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      client_id_issued_at: Math.floor(Date.now() / 1000),
    };
  }

  /** Checks an authorization request before the admin is asked. */
  authorize(q: Params): AuthorizeOutcome {
    const client = this.deps.store.client(q.client_id ?? "");
    if (!client || !q.redirect_uri || !client.redirectUris.includes(q.redirect_uri)) {
      return { outcome: "refuse", message: "Unknown app, or a redirect address it did not register." };
    }
    const back = (error: string, description: string) => {
      const u = new URL(q.redirect_uri!);
      u.searchParams.set("error", error);
      u.searchParams.set("error_description", description);
      if (q.state) u.searchParams.set("state", q.state);
      return { outcome: "redirect" as const, to: u.toString() };
    };
    if (q.response_type !== "code") return back("unsupported_response_type", "only response_type=code");
    if (q.code_challenge_method !== "S256" || !CHALLENGE.test(q.code_challenge ?? "")) {
      return back("invalid_request", "PKCE with code_challenge_method=S256 is required");
    }
    const scope = (q.scope ?? "").trim().replace(/\s+/g, " ");
    if (!validScopeList(scope)) return back("invalid_scope", "scope must list scopes such as vault:read");
    return {
      outcome: "consent",
      client,
      request: {
        client_id: client.clientId,
        redirect_uri: q.redirect_uri,
        scope,
        state: q.state ?? "",
        code_challenge: q.code_challenge!,
        resource: q.resource ?? "",
      },
    };
  }

  /**
   * The admin's answer on the consent page: the address to send the browser back to, with a code
   * (allow) or `access_denied` (deny), the state and the issuer.
   */
  decide(form: Params, userId: number, issuer: string, allow: boolean): string {
    const client = this.deps.store.client(form.client_id ?? "");
    const redirectUri = form.redirect_uri ?? "";
    if (!client?.redirectUris.includes(redirectUri))
      throw new HubError("invalid", "invalid_client", "unknown app or redirect address");
    const scope = form.scope ?? "";
    if (!validScopeList(scope) || !CHALLENGE.test(form.code_challenge ?? "")) {
      throw new HubError("invalid", "invalid_request", "the authorization request was altered");
    }
    const target = new URL(redirectUri);
    if (form.state) target.searchParams.set("state", form.state);
    target.searchParams.set("iss", issuer);
    if (!allow) {
      target.searchParams.set("error", "access_denied");
      return target.toString();
    }
    const code = this.deps.store.issueCode({
      clientId: client.clientId,
      userId,
      redirectUri,
      scope,
      resource: form.resource || null,
      challenge: form.code_challenge!,
    });
    target.searchParams.set("code", code);
    return target.toString();
  }

  /** The token endpoint: an authorization code (with its PKCE verifier) or a refresh token. */
  async token(p: Params): Promise<TokenResponse> {
    const grantType = p.grant_type ?? "";
    if (grantType === "authorization_code") {
      const grant = this.deps.store.redeemCode(p.code ?? "");
      if (!grant || grant.clientId !== p.client_id || grant.redirectUri !== p.redirect_uri) {
        throw oauthError("invalid", "invalid_grant", "the code is unknown, used, expired or not yours");
      }
      if (!VERIFIER.test(p.code_verifier ?? "") || s256(p.code_verifier!) !== grant.challenge) {
        throw oauthError("invalid", "invalid_grant", "the code_verifier does not match the code_challenge");
      }
      const refresh = this.deps.store.issueRefresh(grant);
      return this.tokens(grant, refresh.token, refresh.family);
    }
    if (grantType === "refresh_token") {
      const used = this.deps.store.useRefresh(p.refresh_token ?? "");
      if (!used)
        throw oauthError("invalid", "invalid_grant", "the refresh token is unknown, expired or revoked");
      if ("reused" in used) {
        this.deps.issuer.revokeLabel(`oauth:${used.reused}`);
        throw oauthError(
          "invalid",
          "invalid_grant",
          "the refresh token was already used; every token of this grant is revoked",
        );
      }
      if (used.grant.clientId !== p.client_id)
        throw oauthError("invalid", "invalid_grant", "the refresh token is not yours");
      const next = this.deps.store.issueRefresh(used.grant);
      return this.tokens(used.grant, next.token, used.grant.family);
    }
    throw oauthError("invalid", "unsupported_grant_type", "use authorization_code or refresh_token");
  }

  /**
   * RFC 7009: a refresh token ends its whole grant; an access token is revoked by its jti once its
   * signature verifies (holding it is the proof). Anything else is answered like a revoked token and
   * changes nothing.
   */
  async revoke(token: string): Promise<void> {
    const family = this.deps.store.familyOf(token);
    if (family) {
      this.deps.store.revokeFamily(family);
      this.deps.issuer.revokeLabel(`oauth:${family}`);
      return;
    }
    const claims = await this.deps.issuer.verify(token).catch(() => null);
    if (claims) this.deps.issuer.revoke(claims.jti);
  }

  private async tokens(
    grant: { userId: number; scope: string; resource: string | null },
    refresh: string,
    family: string,
  ): Promise<TokenResponse> {
    const user = this.deps.users.byId(grant.userId);
    const fromResource = grant.resource ? this.deps.routes().match(pathOf(grant.resource)) : null;
    const auds = fromResource ? [fromResource.short] : audiencesOf(grant.scope);
    const issued = await this.deps.issuer.issue({
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
}

function validRedirect(uri: unknown): boolean {
  if (typeof uri !== "string") return false;
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

function pathOf(resource: string): string {
  try {
    return new URL(resource).pathname;
  } catch {
    return "/";
  }
}
