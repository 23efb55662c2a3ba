import { Hono } from "hono";
import type { AppDeps } from "./deps.ts";
import { formField } from "./deps.ts";
import { escapeHtml, htmlPage } from "./pages.ts";
import { clearSessionCookie } from "./session-cookie.ts";

/**
 * `/logout`: a page with one button, for a person who typed the address; the form carries the
 * session's CSRF token, so another site cannot log anyone out.
 */
export function logoutPages({ identity, site }: AppDeps): Hono {
  const app = new Hono();

  app.get("/", (c) => {
    const found = identity.session(c.req.raw, site.secure(c.req.raw));
    if (!found) return c.redirect("/login", 302);
    return htmlPage(
      "Log out",
      `<p>Log out of this Parachute? Every app of it in this browser is logged out too.</p>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="${escapeHtml(found.session.csrf)}">
<div class="actions"><button type="submit" class="primary">Log out</button><a class="button" href="/">Stay</a></div></form>`,
    );
  });

  app.post("/", async (c) => {
    const found = identity.session(c.req.raw, site.secure(c.req.raw));
    if (found) {
      const form = await c.req.formData().catch(() => new FormData());
      identity.checkCsrf(c.req.raw, found.session, site.origin(c.req.raw), formField(form, "csrf"));
      identity.sessions.destroy(found.id);
    }
    return new Response(null, {
      status: 303,
      headers: { location: "/login", "set-cookie": clearSessionCookie(site.secure(c.req.raw)) },
    });
  });

  return app;
}
