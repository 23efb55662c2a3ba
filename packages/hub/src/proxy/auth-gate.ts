import { BEARER_CHALLENGE, HubError } from "../errors.ts";
import { wantsHtml } from "../http/pages.ts";
import { type Identity, stripSessionCookie } from "../identity/identity.ts";
import type { Site } from "../platform/origin.ts";
import type { ProxyGate } from "./proxy.ts";

/** Lifetime of a token the proxy injects for a browser session, and when a cached one is renewed. */
const INJECTED_TTL_S = 300;
const RENEW_WITHIN_S = 60;

export interface GateDeps {
  identity: Identity;
  site: Site;
  publicPaths: (short: string) => RegExp[];
  now: () => number;
}

/**
 * Auth at the proxy (PRODUCT §6): a request with its own Authorization goes through as is; a logged-in
 * browser gets a short-lived token for that module injected (cached per user and module); anything
 * else reaches only the module's public paths. The hub's session cookie never reaches a module.
 */
export function createProxyGate(deps: GateDeps): ProxyGate {
  const cache = new Map<string, { token: string; exp: number }>();

  return async (req, route, path, headers) => {
    const cookie = stripSessionCookie(headers.get("cookie"));
    if (cookie) headers.set("cookie", cookie);
    else headers.delete("cookie");
    if (req.headers.has("authorization")) return undefined;

    const adminExists = deps.identity.adminExists();
    const found = adminExists ? deps.identity.session(req, deps.site.secure(req)) : null;
    if (found) {
      deps.identity.checkCsrf(req, found.session, deps.site.origin(req));
      const key = `${found.session.userId}:${route.short}`;
      let cached = cache.get(key);
      if (!cached || cached.exp - deps.now() / 1000 < RENEW_WITHIN_S) {
        const user = deps.identity.users.byId(found.session.userId);
        const issued = await deps.identity.issuer.issue({
          sub: user?.username ?? String(found.session.userId),
          aud: route.short,
          scope: `${route.short}:admin`,
          ttlS: INJECTED_TTL_S,
          kind: "proxy",
        });
        cached = { token: issued.token, exp: issued.exp };
        cache.set(key, cached);
      }
      headers.set("authorization", `Bearer ${cached.token}`);
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
      { challenge: BEARER_CHALLENGE },
    );
  };
}
