import { readJsonBody } from "@parachute/module-kit";
import { Hono } from "hono";
import { HubError } from "../errors.ts";
import type { Hub } from "../hub.ts";
import type { Identity } from "../identity/identity.ts";
import type { OAuthStore } from "../identity/oauth-store.ts";
import { HUB_VERSION } from "../version.ts";
import { accountApi } from "./account-api.ts";
import { type AuthEnv, requireScope } from "./api-auth.ts";
import { authRoutes } from "./auth-api.ts";
import { errorResponse } from "./errors.ts";
import { firstBootGuard } from "./first-boot.ts";
import { grantsApi } from "./grants-api.ts";
import { accepted, modulesApi } from "./modules-api.ts";
import { oauthRoutes } from "./oauth-api.ts";
import { operationsApi } from "./operations-api.ts";
import { setupRoutes } from "./setup-api.ts";
import type { Site } from "./site.ts";
import { tokensApi } from "./tokens-api.ts";
import { wellKnown } from "./well-known.ts";

export interface AppDeps {
  hub: Hub;
  identity: Identity;
  oauth: OAuthStore;
  site: Site;
  now: () => number;
  clientIp: (req: Request) => string;
  hubInfo: () => Record<string, unknown>;
}

/** The hub's own routes, one line per area. Module paths never reach this app (see server.ts). */
export function hubApp(deps: AppDeps): Hono {
  const { identity, site } = deps;
  const app = new Hono();
  app.onError((err) => errorResponse(err));
  app.notFound((c) =>
    errorResponse(new HubError("not_found", "not_found", `nothing is served at ${c.req.path}`)),
  );
  app.use("*", firstBootGuard(identity));

  app.get("/health", (c) => c.json({ status: "ok", version: HUB_VERSION }));
  app.route("/.well-known", wellKnown(deps.hub, identity.issuer, site));
  app.route("/", setupRoutes(identity, site));
  app.route("/", authRoutes({ identity, site, clientIp: deps.clientIp }));
  app.route("/", oauthRoutes({ identity, store: deps.oauth, site, hub: deps.hub }));
  app.get("/", (c) =>
    c.redirect(identity.session(c.req.raw, site.secure(c.req.raw)) ? "/api/session" : "/login", 302),
  );

  const api = new Hono<AuthEnv>();
  api.use("*", requireScope(identity, site, "hub:admin"));
  api.get("/status", (c) => c.json({ hub: deps.hubInfo(), modules: deps.hub.installed.status() }));
  api.route("/modules", modulesApi(deps.hub));
  api.route("/operations", operationsApi(deps.hub.ops));
  api.post("/hub/upgrade", async (c) => {
    const { version } = await readJsonBody<{ version: string }>(c.req.raw, { version: { type: "string" } });
    return accepted(deps.hub.upgradeHub(version));
  });
  api.route("/tokens", tokensApi(identity.issuer));
  api.route("/account", accountApi(identity, deps.now));
  api.route("/", grantsApi(deps.oauth, identity.issuer));
  app.route("/api", api);

  return app;
}
