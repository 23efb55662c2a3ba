import { readJsonBody } from "@parachute/module-kit";
import { Hono } from "hono";
import type { Identity } from "../identity/identity.ts";
import { escapeHtml, field, htmlPage } from "./pages.ts";
import { startSession } from "./session-cookie.ts";
import type { Site } from "./site.ts";

/** First-boot setup: `GET|POST /api/setup` (JSON) and a minimal `/admin/setup` form. */
export function setupRoutes(identity: Identity, site: Site): Hono {
  const app = new Hono();

  app.get("/api/setup", (c) => c.json({ needed: !identity.adminExists() }));

  app.post("/api/setup", async (c) => {
    const body = await readJsonBody<{ token: string; username: string; password: string }>(c.req.raw, {
      token: { type: "string", required: true },
      username: { type: "string", required: true },
      password: { type: "string", required: true },
    });
    const user = await identity.setup(body.token, body.username, body.password);
    const { cookie, csrf } = startSession(identity, user.id, site.secure(c.req.raw));
    c.header("set-cookie", cookie);
    return c.json({ user: { username: user.username }, csrf }, 201);
  });

  app.get("/admin/setup", (c) => {
    if (identity.adminExists()) return c.redirect("/login", 303);
    return htmlPage("Set up Parachute", setupForm());
  });

  app.post("/admin/setup", async (c) => {
    const form = await c.req.formData().catch(() => new FormData());
    const get = (k: string) => (typeof form.get(k) === "string" ? (form.get(k) as string) : "");
    try {
      const user = await identity.setup(get("token"), get("username"), get("password"));
      const { cookie } = startSession(identity, user.id, site.secure(c.req.raw));
      return new Response(null, { status: 303, headers: { location: "/", "set-cookie": cookie } });
    } catch (err) {
      const e = err as { status?: number; message: string };
      return htmlPage("Set up Parachute", setupForm(e.message), e.status ?? 400);
    }
  });

  return app;
}

function setupForm(error?: string): string {
  return `<p>Create the admin account. The setup token is printed in the hub's log (or is the
<code>PARACHUTE_SETUP_TOKEN</code> you deployed with).</p>${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/admin/setup">
${field("Setup token", "token", "password", 'required autocomplete="off"')}
${field("Username", "username", "text", 'required autocomplete="username"')}
${field("Password (at least 12 characters)", "password", "password", 'required minlength="12" autocomplete="new-password"')}
<button type="submit">Create admin</button></form>`;
}
