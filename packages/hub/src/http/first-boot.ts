import type { MiddlewareHandler } from "hono";
import { HubError } from "../errors.ts";
import type { Identity } from "../identity/identity.ts";
import { bearer } from "./api-auth.ts";
import { wantsHtml } from "./pages.ts";

// The admin app's page and assets hold no data: its setup wizard is how a hub gets its admin.
const OPEN = [/^\/health$/, /^\/\.well-known\//, /^\/api\/setup$/, /^\/admin(\/.*)?$/];

/**
 * Until an admin exists, only `/health`, `/.well-known/*` and setup are open — plus API calls with a
 * verifying `hub:admin` token (the operator token), so the CLI works before setup. Browsers are sent
 * to the setup page.
 */
export function firstBootGuard(identity: Identity): MiddlewareHandler {
  return async (c, next) => {
    if (identity.adminExists() || OPEN.some((re) => re.test(c.req.path))) return next();
    const token = bearer(c.req.raw);
    if (token) {
      await identity.issuer.verifyForHub(token, "hub:admin");
      return next();
    }
    if (wantsHtml(c.req.raw)) return c.redirect("/admin/setup", 302);
    throw new HubError(
      "unauthorized",
      "setup_required",
      "this hub is not set up yet: create the admin account at /admin/setup",
    );
  };
}
