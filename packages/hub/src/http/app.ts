import { errorResponse, HttpError } from "@parachute/module-kit";
import { Hono } from "hono";
import type { Hub } from "../hub.ts";
import { HUB_VERSION } from "../version.ts";
import { modulesApi } from "./modules-api.ts";
import { requireOperator } from "./operator-auth.ts";
import { wellKnown } from "./well-known.ts";

export interface AppDeps {
  hub: Hub;
  operatorToken: string;
  origin: (req: Request) => string;
  hubInfo: () => Record<string, unknown>;
}

/** The hub's own routes, one line per area. Module paths never reach this app (see server.ts). */
export function hubApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.onError((err) => errorResponse(err));
  app.notFound((c) => errorResponse(new HttpError(404, "not_found", `nothing is served at ${c.req.path}`)));

  app.get("/health", (c) => c.json({ status: "ok", version: HUB_VERSION }));
  app.route("/.well-known", wellKnown(deps.hub, deps.origin));

  const api = new Hono();
  api.use("*", requireOperator(deps.operatorToken));
  api.get("/status", (c) => c.json({ hub: deps.hubInfo(), modules: deps.hub.status() }));
  api.route("/modules", modulesApi(deps.hub));
  app.route("/api", api);

  return app;
}
