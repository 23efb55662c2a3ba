import { COMPACT_JWT, resourceMetadataUrl } from "@parachute/module-kit";
import { HubError } from "../errors.ts";
import { wantsHtml } from "../http/pages.ts";
import { type Identity, stripSessionCookie } from "../identity/identity.ts";
import { isOwnOrigin, type Site } from "../platform/origin.ts";
import type { ProxyGate } from "./proxy.ts";

/** Lifetime of a token the proxy injects for a browser session, and when a cached one is renewed. */
const INJECTED_TTL_S = 300;
const RENEW_WITHIN_S = 60;

export interface GateDeps {
  identity: Identity;
  site: Site;
  publicPaths: (short: string) => RegExp[];
  /** Whether a module issues bearer tokens of its own (passed through for it to verify). */
  issuesOwnTokens: (short: string) => boolean;
  now: () => number;
}

/**
 * Auth at the proxy (docs/product.md). It reads only the headers that will be forwarded (hop-by-hop
 * ones already gone), so what it checks is what the module gets:
 * - a bearer hub JWT must verify for the module (signature, expiry, audience, not revoked) — modules
 *   still check scopes; another credential passes only to a module that issues its own tokens;
 * - a logged-in browser gets a short-lived token for the module injected (cached per user and
 *   module), after the CSRF check, and a WebSocket upgrade only from the hub's own pages;
 * - anything else reaches only the module's public paths.
 * The hub's session cookie never reaches a module.
 */
export function createProxyGate(deps: GateDeps): ProxyGate {
  const cache = new Map<string, { token: string; exp: number }>();

  return async (req, route, path, headers) => {
    const cookie = headers.get("cookie");
    const rest = stripSessionCookie(cookie);
    if (rest) headers.set("cookie", rest);
    else headers.delete("cookie");
    const origin = deps.site.origin(req);
    const challenge = (error?: string) =>
      `Bearer ${error ? `error="${error}", ` : ""}resource_metadata="${resourceMetadataUrl(`${origin}${path}`)}"`;

    const credential = headers.get("authorization");
    if (credential !== null) {
      // Whatever the spelling (any whitespace, no scheme at all), a JWT is verified here.
      const bearer = /^(?:Bearer\s+)?(\S+)\s*$/i.exec(credential)?.[1];
      if (bearer && COMPACT_JWT.test(bearer)) {
        try {
          await deps.identity.issuer.verify(bearer, route.short);
        } catch (err) {
          const message = err instanceof HubError ? err.message : "the token is not valid";
          throw new HubError("unauthorized", "invalid_token", message, {
            challenge: challenge("invalid_token"),
          });
        }
        return undefined;
      }
      if (deps.issuesOwnTokens(route.short)) return undefined;
      throw new HubError(
        "unauthorized",
        "invalid_token",
        "send a hub token as Authorization: Bearer <token>",
        {
          challenge: challenge("invalid_token"),
        },
      );
    }

    const adminExists = deps.identity.adminExists();
    const found = adminExists ? deps.identity.sessionFromCookies(cookie, deps.site.secure(req)) : null;
    if (found) {
      deps.identity.checkCsrf(req, found.session, origin);
      if (
        req.headers.get("upgrade")?.toLowerCase() === "websocket" &&
        !isOwnOrigin(req.headers.get("origin"), req, origin)
      ) {
        throw new HubError(
          "forbidden",
          "bad_origin",
          "a WebSocket with the hub's session must come from its own pages",
        );
      }
      headers.set("authorization", `Bearer ${await injected(found.session.userId, route.short)}`);
      return undefined;
    }
    if (adminExists && deps.publicPaths(route.short).some((re) => re.test(path))) return undefined;

    if (wantsHtml(req)) {
      const to = adminExists ? `/login?next=${encodeURIComponent(path)}` : "/admin/setup";
      return new Response(null, { status: 302, headers: { location: to, "cache-control": "no-store" } });
    }
    throw new HubError(
      "unauthorized",
      adminExists ? "unauthorized" : "setup_required",
      adminExists ? "log in or send a token" : "this hub is not set up yet",
      { challenge: challenge() },
    );
  };

  /** A short-lived token for `userId` at `short`, reused until a minute before it expires. */
  async function injected(userId: number, short: string): Promise<string> {
    const key = `${userId}:${short}`;
    const cached = cache.get(key);
    if (cached && cached.exp - deps.now() / 1000 >= RENEW_WITHIN_S) return cached.token;
    const user = deps.identity.users.byId(userId);
    const issued = await deps.identity.issuer.issue({
      sub: user?.username ?? String(userId),
      aud: short,
      scope: `${short}:admin`,
      ttlS: INJECTED_TTL_S,
      kind: "proxy",
    });
    cache.set(key, { token: issued.token, exp: issued.exp });
    return issued.token;
  }
}
