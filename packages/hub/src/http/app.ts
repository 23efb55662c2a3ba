import { CHALLENGE_HEADER, PROOF_HEADER, proofFor } from "@parachute/module-kit";
import { Hono } from "hono";
import { HubError } from "../errors.ts";
import { HUB_VERSION } from "../version.ts";
import { accountApi } from "./account-api.ts";
import { adminApp } from "./admin-app.ts";
import { requireScope } from "./api-auth.ts";
import type { AppDeps } from "./deps.ts";
import { capBody, errorResponse } from "./errors.ts";
import { firstBootGuard } from "./first-boot.ts";
import { hubApi } from "./hub-api.ts";
import { loginPages } from "./login-pages.ts";
import { logoutPages } from "./logout-pages.ts";
import { modulesApi } from "./modules-api.ts";
import { oauthApp } from "./oauth-app.ts";
import { oauthClientsApi } from "./oauth-clients-api.ts";
import { operationsApi } from "./operations-api.ts";
import { htmlPage, wantsHtml } from "./pages.ts";
import { sessionApi } from "./session-api.ts";
import { tokensApi } from "./tokens-api.ts";
import { wellKnownApp } from "./well-known.ts";

export type { AppDeps } from "./deps.ts";

/** The largest request body any of the hub's own routes accepts (docs/contracts/hub-api.md). */
const BODY_CAP_BYTES = 64 * 1024;

/** The hub's own routes, one line per area. Module paths never reach this app (see server.ts). */
export function hubApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.onError((err) => errorResponse(err));
  app.notFound((c) =>
    wantsHtml(c.req.raw)
      ? htmlPage(
          "Nothing here",
          `<p>This address leads nowhere on this hub.</p><p><a href="/">Go to the start</a></p>`,
          404,
        )
      : errorResponse(new HubError("not_found", "not_found", `nothing is served at ${c.req.path}`)),
  );
  // No route of the hub's own reads more, but a restore's upload: it is streamed to disk under its
  // own cap (PARACHUTE_RESTORE_MAX_MB), after the caller is known to hold hub:admin.
  const cap = capBody(BODY_CAP_BYTES);
  app.use("*", (c, next) => (c.req.path === "/api/hub/restore" ? next() : cap(c, next)));
  app.use("*", firstBootGuard(deps.identity));
  // What the API answers is someone's (a session's CSRF token, tokens, settings): never kept by a cache.
  app.use("/api/*", async (c, next) => {
    await next();
    if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
  });

  app.get("/health", (c) => {
    // A local tool's challenge, answered so it knows this is the hub its home's runtime file names.
    const challenge = c.req.header(CHALLENGE_HEADER);
    if (challenge && /^[0-9a-f]{16,128}$/.test(challenge))
      c.header(PROOF_HEADER, proofFor(deps.runtimeSecret, challenge));
    return c.json({ status: "ok", version: HUB_VERSION });
  });
  // The front page is the admin app for the admin, the login page for anyone else.
  app.get("/", (c) =>
    c.redirect(deps.identity.session(c.req.raw, deps.site.secure(c.req.raw)) ? "/admin/" : "/login", 302),
  );
  app.route("/.well-known", wellKnownApp(deps));
  app.route("/oauth", oauthApp(deps));
  app.route("/login", loginPages(deps));
  app.route("/logout", logoutPages(deps));
  const admin = adminApp();
  app.get("/admin", admin);
  app.get("/admin/*", admin);
  app.route("/api", sessionApi(deps)); // setup, login, logout, session: open to all
  app.use("/api/*", requireScope(deps.identity, deps.site, "hub:admin")); // everything below
  app.route("/api/modules", modulesApi(deps));
  app.route("/api/operations", operationsApi(deps));
  app.route("/api/tokens", tokensApi(deps));
  app.route("/api/account", accountApi(deps));
  app.route("/api/oauth/clients", oauthClientsApi(deps));
  app.route("/api", hubApi(deps)); // status, hub upgrade, signing keys
  return app;
}
