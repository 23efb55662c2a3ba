import { readJsonBody } from "@parachute/module-kit";
import { Hono } from "hono";
import { HubError } from "../errors.ts";
import type { Identity } from "../identity/identity.ts";
import { wireError } from "./errors.ts";
import { escapeHtml, field, htmlPage } from "./pages.ts";
import { clearSessionCookie, safeNext, startSession } from "./session-cookie.ts";
import type { Site } from "./site.ts";

export interface AuthDeps {
  identity: Identity;
  site: Site;
  clientIp: (req: Request) => string;
}

/** A login request must not come from another site's page either. */
function checkLoginOrigin(req: Request, site: Site): void {
  const origin = req.headers.get("origin");
  if (origin && origin !== site.origin(req)) {
    throw new HubError("forbidden", "bad_origin", "this request did not come from the hub's own pages");
  }
}

function loginForm(next: string, error?: string, status = 200): Response {
  const body = `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}<form method="post" action="/login">
<input type="hidden" name="next" value="${escapeHtml(next)}">
${field("Username", "username", "text", 'autocomplete="username" required autofocus')}
${field("Password", "password", "password", 'autocomplete="current-password" required')}
${field("Authenticator code (if 2FA is on)", "totp", "text", 'autocomplete="one-time-code" inputmode="numeric"')}
<button type="submit">Log in</button></form>`;
  return htmlPage("Log in", body, status);
}

/** `/api/login`, `/api/logout`, `/api/session` (JSON) and the `/login` form. */
export function authRoutes(deps: AuthDeps): Hono {
  const { identity, site } = deps;
  const app = new Hono();

  app.post("/api/login", async (c) => {
    checkLoginOrigin(c.req.raw, site);
    const body = await readJsonBody<{ username: string; password: string; totp: string }>(c.req.raw, {
      username: { type: "string", required: true },
      password: { type: "string", required: true },
      totp: { type: "string" },
    });
    const user = await identity.login(body, deps.clientIp(c.req.raw));
    const old = identity.session(c.req.raw, site.secure(c.req.raw));
    if (old) identity.sessions.destroy(old.id);
    const { cookie, csrf } = startSession(identity, user.id, site.secure(c.req.raw));
    c.header("set-cookie", cookie);
    return c.json({ user: { username: user.username, totp: user.totpSecret !== null }, csrf });
  });

  app.post("/api/logout", (c) => {
    const found = identity.session(c.req.raw, site.secure(c.req.raw));
    if (found) {
      identity.checkCsrf(c.req.raw, found.session, site.origin(c.req.raw));
      identity.sessions.destroy(found.id);
    }
    c.header("set-cookie", clearSessionCookie(site.secure(c.req.raw)));
    return c.json({ loggedOut: true });
  });

  app.get("/api/session", (c) => {
    const found = identity.session(c.req.raw, site.secure(c.req.raw));
    if (!found) throw new HubError("unauthorized", "unauthorized", "not logged in");
    const user = identity.users.byId(found.session.userId);
    return c.json({
      user: { username: user?.username, totp: user?.totpSecret != null },
      csrf: found.session.csrf,
    });
  });

  app.get("/login", (c) => loginForm(safeNext(c.req.query("next"))));

  app.post("/login", async (c) => {
    checkLoginOrigin(c.req.raw, site);
    const form = await c.req.formData().catch(() => new FormData());
    const get = (k: string) => (typeof form.get(k) === "string" ? (form.get(k) as string) : "");
    const next = safeNext(get("next"));
    try {
      const user = await identity.login(
        { username: get("username"), password: get("password"), totp: get("totp") || undefined },
        deps.clientIp(c.req.raw),
      );
      const { cookie } = startSession(identity, user.id, site.secure(c.req.raw));
      return new Response(null, { status: 303, headers: { location: next, "set-cookie": cookie } });
    } catch (err) {
      if (!(err instanceof HubError)) throw err;
      const wire = wireError(err);
      const res = loginForm(next, err.message, wire.status);
      for (const [k, v] of Object.entries(wire.headers)) res.headers.set(k, v);
      return res;
    }
  });

  return app;
}
