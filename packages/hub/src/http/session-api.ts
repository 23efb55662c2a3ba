import { readJsonBody } from "@parachute/module-kit";
import { Hono } from "hono";
import { HubError } from "../errors.ts";
import type { AppDeps } from "./deps.ts";
import { checkLoginOrigin, clearSessionCookie, startSession } from "./session-cookie.ts";

/** The public part of `/api`: first-boot setup, login, logout and the current session (JSON). */
export function sessionApi({ identity, site, clientIp }: AppDeps): Hono {
  const app = new Hono();

  app.get("/setup", (c) => c.json({ needed: !identity.adminExists() }));

  app.post("/setup", async (c) => {
    const body = await readJsonBody<{ token: string; username: string; password: string }>(c.req.raw, {
      token: { type: "string", required: true },
      username: { type: "string", required: true },
      password: { type: "string", required: true },
    });
    const user = await identity.setup(body.token, body.username, body.password, clientIp(c.req.raw));
    const { cookie, csrf } = startSession(identity, user.id, site.secure(c.req.raw));
    c.header("set-cookie", cookie);
    return c.json({ user: { username: user.username }, csrf }, 201);
  });

  app.post("/login", async (c) => {
    checkLoginOrigin(c.req.raw, site);
    const body = await readJsonBody<{ username: string; password: string; totp: string }>(c.req.raw, {
      username: { type: "string", required: true },
      password: { type: "string", required: true },
      totp: { type: "string" },
    });
    const user = await identity.login(body, clientIp(c.req.raw));
    const old = identity.session(c.req.raw, site.secure(c.req.raw));
    if (old) identity.sessions.destroy(old.id);
    const { cookie, csrf } = startSession(identity, user.id, site.secure(c.req.raw));
    c.header("set-cookie", cookie);
    return c.json({ user: { username: user.username, totp: user.totpSecret !== null }, csrf });
  });

  app.post("/logout", (c) => {
    const found = identity.session(c.req.raw, site.secure(c.req.raw));
    if (found) {
      identity.checkCsrf(c.req.raw, found.session, site.origin(c.req.raw));
      identity.sessions.destroy(found.id);
    }
    c.header("set-cookie", clearSessionCookie(site.secure(c.req.raw)));
    return c.json({ loggedOut: true });
  });

  app.get("/session", (c) => {
    const found = identity.session(c.req.raw, site.secure(c.req.raw));
    if (!found) throw new HubError("unauthorized", "unauthorized", "not logged in");
    const user = identity.users.byId(found.session.userId);
    return c.json({
      user: { username: user?.username, totp: user?.totpSecret != null },
      csrf: found.session.csrf,
    });
  });

  return app;
}
