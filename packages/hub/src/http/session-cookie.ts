import { HubError } from "../errors.ts";
import type { Identity } from "../identity/identity.ts";
import { sessionCookieName } from "../identity/identity.ts";
import { DEFAULT_SESSION_POLICY } from "../identity/sessions.ts";
import { isOwnOrigin, type Site } from "../platform/origin.ts";

/** Starts a fresh session (a new id on every login) and returns its Set-Cookie header and CSRF token. */
export function startSession(
  identity: Identity,
  userId: number,
  secure: boolean,
): { cookie: string; csrf: string } {
  const { id, csrf } = identity.sessions.create(userId);
  // The browser keeps the cookie for the absolute cap; the hub enforces the rolling idle expiry.
  const maxAge = Math.floor(DEFAULT_SESSION_POLICY.absoluteMs / 1000);
  const cookie = `${sessionCookieName(secure)}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? "; Secure" : ""}`;
  return { cookie, csrf };
}

export function clearSessionCookie(secure: boolean): string {
  return `${sessionCookieName(secure)}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? "; Secure" : ""}`;
}

/** A `next` target after login: a local path only, never another site. */
export function safeNext(raw: string | null | undefined): string {
  return raw && /^\/(?![/\\])[^\s\\]*$/.test(raw) ? raw : "/";
}

/** A login request must not come from another site's page either. */
export function checkLoginOrigin(req: Request, site: Site): void {
  const origin = req.headers.get("origin");
  if (origin && !isOwnOrigin(origin, req, site.origin(req))) {
    throw new HubError("forbidden", "bad_origin", "this request did not come from the hub's own pages");
  }
}
