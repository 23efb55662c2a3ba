import type { Context, MiddlewareHandler } from "hono";
import { BEARER_CHALLENGE, HubError } from "../errors.ts";
import type { Identity } from "../identity/identity.ts";
import type { Site } from "../platform/origin.ts";

/** Who made an API call: a bearer token's subject, or the logged-in admin's session. */
interface Principal {
  via: "token" | "session";
  sub: string;
  userId: number | null;
  sessionId: string | null;
}

export type AuthEnv = { Variables: { principal: Principal } };

export function bearer(req: Request): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "");
  return m ? m[1]! : null;
}

/**
 * Admits a bearer token with `scope` for the hub (the operator token is one), or an admin session —
 * whose state changes must pass the CSRF check. Nothing is trusted by address.
 */
export function requireScope(identity: Identity, site: Site, scope: string): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    c.set("principal", await authenticate(c, identity, site, scope));
    await next();
  };
}

async function authenticate(c: Context, identity: Identity, site: Site, scope: string): Promise<Principal> {
  const token = bearer(c.req.raw);
  if (token) {
    const claims = await identity.issuer.verifyForHub(token, scope);
    return { via: "token", sub: claims.sub, userId: null, sessionId: null };
  }
  const found = identity.session(c.req.raw, site.secure(c.req.raw));
  if (found) {
    identity.checkCsrf(c.req.raw, found.session, site.origin(c.req.raw));
    return {
      via: "session",
      sub: String(found.session.userId),
      userId: found.session.userId,
      sessionId: found.id,
    };
  }
  throw new HubError("unauthorized", "unauthorized", `log in, or send a token with the scope ${scope}`, {
    challenge: BEARER_CHALLENGE,
  });
}
