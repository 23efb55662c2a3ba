import { createHash } from "node:crypto";
import { protectedResourceMetadata, validScopeList } from "@parachute/module-kit";
import { HubError } from "../errors.ts";
import type { TokenIssuer } from "./issuer.ts";
import { audiencesOf } from "./issuer.ts";
import { type Registered, registerClient } from "./oauth-registration.ts";
import { type ResourceCatalog, resourceRoute, scopesFor } from "./oauth-resources.ts";
import type { Client, OAuthStore } from "./oauth-store.ts";
import { unknownScope } from "./scopes.ts";
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
  /** A bad request from a known client: back to it with an error (and `iss`, RFC 9207). */
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

export interface OAuthDeps extends ResourceCatalog {
  store: OAuthStore;
  issuer: TokenIssuer;
  users: Users;
  now: () => number;
}

/** An OAuth error: `code` is the RFC 6749 error, the message its description. */
const oauthError = (code: string, description: string) => new HubError("invalid", code, description);
const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

/**
 * The OAuth 2.1 authorization server (RFC 8414 metadata, RFC 7591 registration, authorization code
 * with PKCE S256, RFC 8707 resource indicators, RFC 9207 `iss`, refresh rotation with reuse
 * detection, RFC 7009 revocation, RFC 9728 resource metadata), free of HTTP: it takes parameters and
 * returns results, or throws HubErrors whose code is the RFC's error (docs/contracts/oauth.md).
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
      authorization_response_iss_parameter_supported: true,
      scopes_supported: this.deps.scopes().filter((s) => !s.includes("*")),
    };
  }

  /** RFC 9728 metadata for the module resource at `path`, or null when no module serves it. */
  resourceMetadata(origin: string, path: string) {
    const route = this.deps.routes().match(path);
    if (!route) return null;
    return protectedResourceMetadata(`${origin}${path}`, origin, scopesFor(this.deps.scopes(), route, path));
  }

  register(body: string, from: string): Registered {
    return registerClient(this.deps.store, body, from, this.deps.now());
  }

  /** Checks an authorization request before the admin is asked (RFC 6749 §4.1.2.1 order). */
  authorize(q: Params, issuer: string): AuthorizeOutcome {
    const client = this.deps.store.client(q.client_id ?? "");
    if (!client) {
      return {
        outcome: "refuse",
        message:
          "This app is not registered with this hub (or its registration expired). Ask it to connect again.",
      };
    }
    if (!q.redirect_uri || !client.redirectUris.includes(q.redirect_uri)) {
      return { outcome: "refuse", message: "The app asked to return to an address it did not register." };
    }
    const back = (error: string, description: string) => {
      const u = new URL(q.redirect_uri!);
      u.searchParams.set("error", error);
      u.searchParams.set("error_description", description);
      if (q.state) u.searchParams.set("state", q.state);
      u.searchParams.set("iss", issuer);
      return { outcome: "redirect" as const, to: u.toString() };
    };
    if (q.response_type !== "code") return back("unsupported_response_type", "only response_type=code");
    if (q.code_challenge_method !== "S256" || !CHALLENGE.test(q.code_challenge ?? "")) {
      return back("invalid_request", "PKCE with code_challenge_method=S256 is required");
    }
    const resource = q.resource ? resourceRoute(this.deps, q.resource) : null;
    if (q.resource && !resource) return back("invalid_target", "resource is not one of this hub's modules");
    let scope = (q.scope ?? "").trim().replace(/\s+/g, " ");
    // Without a scope, a resource's own write scope is asked for (what its challenge names).
    if (!scope && resource) {
      const offered = scopesFor(this.deps.scopes(), resource.route, resource.path);
      scope = offered.find((s) => s.endsWith(":write")) ?? offered[0] ?? "";
    }
    const wrong = unknownScope(scope, this.deps.scopes());
    if (wrong) return back("invalid_scope", wrong);
    // The hub's own powers (install, tokens, account) are never handed to an app through a consent click.
    if (scope.split(" ").some((s) => s.startsWith("hub:")))
      return back("invalid_scope", "apps cannot be given the hub's own scopes; ask for a module's");
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
    const resourceOk = !form.resource || resourceRoute(this.deps, form.resource) !== null;
    if (!validScopeList(scope) || !CHALLENGE.test(form.code_challenge ?? "") || !resourceOk) {
      throw new HubError("invalid", "invalid_request", "the authorization request was altered");
    }
    const target = new URL(redirectUri);
    if (form.state) target.searchParams.set("state", form.state);
    target.searchParams.set("iss", issuer);
    if (!allow) {
      target.searchParams.set("error", "access_denied");
      target.searchParams.set("error_description", "the hub's admin did not allow it");
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
    const grantType = p.grant_type;
    if (!grantType) throw oauthError("invalid_request", "grant_type is required");
    if (grantType !== "authorization_code" && grantType !== "refresh_token")
      throw oauthError("unsupported_grant_type", "use authorization_code or refresh_token");
    if (!p.client_id) throw oauthError("invalid_request", "client_id is required");
    if (!this.deps.store.client(p.client_id)) {
      // 401 so the client knows to register again (RFC 6749 §5.2).
      throw new HubError("unauthorized", "invalid_client", "this app is not registered with this hub");
    }
    if (p.resource && !resourceRoute(this.deps, p.resource))
      throw oauthError("invalid_target", "resource is not one of this hub's modules");
    return grantType === "authorization_code" ? this.codeGrant(p) : this.refreshGrant(p);
  }

  private async codeGrant(p: Params): Promise<TokenResponse> {
    const redeemed = this.deps.store.redeemCode(p.code ?? "", (grant) => {
      if (grant.clientId !== p.client_id || grant.redirectUri !== p.redirect_uri)
        return "the code is unknown, expired or not yours";
      if (!VERIFIER.test(p.code_verifier ?? "") || s256(p.code_verifier!) !== grant.challenge)
        return "the code_verifier does not match the code_challenge";
      if (p.resource && grant.resource && p.resource !== grant.resource)
        return "resource differs from the one the code was granted for";
      return null;
    });
    if (!redeemed) throw oauthError("invalid_grant", "the code is unknown, expired or not yours");
    if ("reused" in redeemed) {
      // A code presented twice was stolen: whatever it led to ends now.
      if (redeemed.reused) this.endFamily(redeemed.reused);
      throw oauthError("invalid_grant", "the code was already used; the tokens it gave are revoked");
    }
    if ("refused" in redeemed) {
      const target = redeemed.refused.startsWith("resource");
      throw oauthError(target ? "invalid_target" : "invalid_grant", redeemed.refused);
    }
    return this.tokens(redeemed.grant, redeemed.refresh.token, redeemed.refresh.family);
  }

  private async refreshGrant(p: Params): Promise<TokenResponse> {
    const used = this.deps.store.useRefresh(p.refresh_token ?? "");
    if (!used) throw oauthError("invalid_grant", "the refresh token is unknown, expired or revoked");
    if ("reused" in used) {
      this.endFamily(used.reused);
      throw oauthError(
        "invalid_grant",
        "the refresh token was already used; every token of this grant is revoked",
      );
    }
    if (used.grant.clientId !== p.client_id)
      throw oauthError("invalid_grant", "the refresh token is not yours");
    if (p.resource && used.grant.resource && p.resource !== used.grant.resource)
      throw oauthError("invalid_target", "resource differs from the one the grant is for");
    const next = this.deps.store.issueRefresh(used.grant);
    return this.tokens(used.grant, next.token, used.grant.family);
  }

  /**
   * RFC 7009: a refresh token ends its whole grant; an access token is revoked by its jti once its
   * signature verifies (holding it is the proof). Anything else is answered like a revoked token and
   * changes nothing.
   */
  async revoke(token: string): Promise<void> {
    const family = this.deps.store.familyOf(token);
    if (family) return this.endFamily(family);
    const claims = await this.deps.issuer.verify(token).catch(() => null);
    if (claims) this.deps.issuer.revoke(claims.jti);
  }

  private endFamily(family: string): void {
    this.deps.store.revokeFamily(family);
    this.deps.issuer.revokeLabel(`oauth:${family}`);
  }

  /** Access and refresh tokens for a grant; a resource binds the audience to that module alone. */
  private async tokens(
    grant: { userId: number; scope: string; resource: string | null },
    refresh: string,
    family: string,
  ): Promise<TokenResponse> {
    const user = this.deps.users.byId(grant.userId);
    const bound = grant.resource ? resourceRoute(this.deps, grant.resource) : null;
    const auds = bound ? [bound.route.short] : audiencesOf(grant.scope);
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
