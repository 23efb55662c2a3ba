import { Hono } from "hono";
import type { AppDeps } from "./deps.ts";
import { formField } from "./deps.ts";
import { wireError } from "./errors.ts";
import { escapeHtml, field, htmlPage } from "./pages.ts";
import { startSession } from "./session-cookie.ts";

function setupForm(error?: string, username = ""): string {
  return `<p>Create the admin account. The setup token is printed in the hub's log (or is the
<code>PARACHUTE_SETUP_TOKEN</code> you deployed with).</p>${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/admin/setup">
${field("Setup token", "token", "password", 'required autocomplete="off"')}
${field("Username", "username", "text", `required autocomplete="username" value="${escapeHtml(username)}"`)}
${field("Password (at least 12 characters)", "password", "password", 'required minlength="12" autocomplete="new-password"')}
<button type="submit">Create admin</button></form>`;
}

/** `/admin`: the first-boot setup form. */
export function adminPages({ identity, site, clientIp }: AppDeps): Hono {
  const app = new Hono();

  app.get("/setup", (c) => {
    if (identity.adminExists()) return c.redirect("/login", 303);
    return htmlPage("Set up Parachute", setupForm());
  });

  app.post("/setup", async (c) => {
    const form = await c.req.formData().catch(() => new FormData());
    const get = (k: string) => formField(form, k);
    try {
      const user = await identity.setup(get("token"), get("username"), get("password"), clientIp(c.req.raw));
      const { cookie } = startSession(identity, user.id, site.secure(c.req.raw));
      return new Response(null, { status: 303, headers: { location: "/", "set-cookie": cookie } });
    } catch (err) {
      // The username stays filled in; the secrets are typed again.
      return htmlPage(
        "Set up Parachute",
        setupForm((err as Error).message, get("username").slice(0, 200)),
        wireError(err).status,
      );
    }
  });

  return app;
}
