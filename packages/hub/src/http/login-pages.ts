import { Hono } from "hono";
import { HubError } from "../errors.ts";
import type { AppDeps } from "./deps.ts";
import { formField } from "./deps.ts";
import { wireError } from "./errors.ts";
import { escapeHtml, field, htmlPage } from "./pages.ts";
import { checkLoginOrigin, safeNext, startSession } from "./session-cookie.ts";

function loginForm(next: string, error?: string, status = 200, username = ""): Response {
  const body = `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}<form method="post" action="/login">
<input type="hidden" name="next" value="${escapeHtml(next)}">
${field("Username", "username", "text", `autocomplete="username" required${username ? ` value="${escapeHtml(username)}"` : " autofocus"}`)}
${field("Password", "password", "password", 'autocomplete="current-password" required')}
${field("Authenticator code (if 2FA is on)", "totp", "text", 'autocomplete="one-time-code" inputmode="numeric"')}
<button type="submit" class="primary">Log in</button></form>`;
  return htmlPage("Log in", body, status);
}

/** `/login`: the login form, for browsers; a success goes on to `next` (a local path). */
export function loginPages({ identity, site, clientIp }: AppDeps): Hono {
  const app = new Hono();

  app.get("/", (c) => loginForm(safeNext(c.req.query("next"))));

  app.post("/", async (c) => {
    checkLoginOrigin(c.req.raw, site);
    const form = await c.req.formData().catch(() => new FormData());
    const get = (k: string) => formField(form, k);
    const next = safeNext(get("next"));
    try {
      const user = await identity.login(
        { username: get("username"), password: get("password"), totp: get("totp") || undefined },
        clientIp(c.req.raw),
      );
      const { cookie } = startSession(identity, user.id, site.secure(c.req.raw));
      return new Response(null, { status: 303, headers: { location: next, "set-cookie": cookie } });
    } catch (err) {
      if (!(err instanceof HubError)) throw err;
      const wire = wireError(err);
      // The username stays filled in; the password and code are typed again.
      const res = loginForm(next, err.message, wire.status, get("username").slice(0, 200));
      for (const [k, v] of Object.entries(wire.headers)) res.headers.set(k, v);
      return res;
    }
  });

  return app;
}
