import { readJsonBody } from "@parachute/module-kit";
import { Hono } from "hono";
import { HubError } from "../errors.ts";
import { newTotpSecret, totpUri, verifyTotp } from "../identity/totp.ts";
import type { AuthEnv } from "./api-auth.ts";
import type { AppDeps } from "./deps.ts";

/** `/api/account`: the admin's password and 2FA. Works for the operator token (acting on the admin) too. */
export function accountApi({ identity, now }: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const admin = (userId: number | null) => {
    const user = userId !== null ? identity.users.byId(userId) : identity.users.admin();
    if (!user)
      throw new HubError("not_found", "no_admin", "there is no admin account yet; run the setup first");
    return user;
  };

  /**
   * A browser session proves the password again before the account's defences change, so a session
   * left open (or stolen) cannot lock the admin out; the operator token needs no password.
   */
  const confirmPassword = async (
    principal: AuthEnv["Variables"]["principal"],
    current: string | undefined,
  ) => {
    if (principal.via !== "session") return;
    const user = admin(principal.userId);
    const keys = [`user:${user.username}`];
    const wait = identity.throttle.retryAfter(keys);
    if (wait > 0)
      throw new HubError("throttled", "throttled", `too many wrong passwords: wait; retry after ${wait} s`, {
        retryAfterS: wait,
      });
    if (current === undefined || !(await identity.users.verifyPassword(user, current))) {
      identity.throttle.fail(keys);
      throw new HubError("forbidden", "wrong_password", "the current password is not right");
    }
  };

  app.post("/password", async (c) => {
    const { password, current } = await readJsonBody<{ password: string; current: string }>(c.req.raw, {
      password: { type: "string", required: true },
      current: { type: "string" },
    });
    await confirmPassword(c.get("principal"), current);
    const user = admin(c.get("principal").userId);
    await identity.users.setPassword(user.id, password);
    // A new password ends every session, this one included: log in again with it.
    identity.sessions.destroyAllFor(user.id);
    return c.json({ changed: true });
  });

  // Failed logins from a shared address (every local user is 127.0.0.1) can lock the admin out of
  // the browser; the operator, who holds the operator token, lifts that here.
  app.post("/unlock", async (c) => {
    await readJsonBody(c.req.raw, {});
    return c.json({ cleared: identity.throttle.clear() });
  });

  app.post("/2fa/enroll", async (c) => {
    await readJsonBody(c.req.raw, {});
    const user = admin(c.get("principal").userId);
    const secret = newTotpSecret();
    identity.users.setPendingTotp(user.id, secret);
    return c.json({ secret, uri: totpUri(secret, user.username) });
  });

  app.post("/2fa/confirm", async (c) => {
    const { code } = await readJsonBody<{ code: string }>(c.req.raw, {
      code: { type: "string", required: true },
    });
    const user = admin(c.get("principal").userId);
    if (!user.totpPending)
      throw new HubError("conflict", "not_enrolling", "start with /api/account/2fa/enroll");
    if (!verifyTotp(user.totpPending, code.trim(), now()))
      throw new HubError("invalid", "invalid_totp", "the code is not right");
    const backupCodes = identity.users.enableTotp(user.id, user.totpPending);
    return c.json({ enabled: true, backupCodes });
  });

  app.post("/2fa/disable", async (c) => {
    const { current } = await readJsonBody<{ current: string }>(c.req.raw, { current: { type: "string" } });
    await confirmPassword(c.get("principal"), current);
    identity.users.disableTotp(admin(c.get("principal").userId).id);
    return c.json({ enabled: false });
  });

  return app;
}
