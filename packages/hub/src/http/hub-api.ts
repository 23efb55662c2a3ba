import { readJsonBody } from "@parachute/module-kit";
import { Hono } from "hono";
import type { AuthEnv } from "./api-auth.ts";
import type { AppDeps } from "./deps.ts";
import { accepted } from "./modules-api.ts";

/** The hub itself under `/api`: its status, its own upgrade, and signing-key rotation. */
export function hubApi({ hub, identity, hubInfo }: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get("/status", (c) => c.json({ hub: hubInfo(), modules: hub.installed.statusWithMemory() }));

  app.post("/hub/upgrade", async (c) => {
    const { version } = await readJsonBody<{ version: string }>(c.req.raw, { version: { type: "string" } });
    return accepted(await hub.upgradeHub(version));
  });

  app.post("/keys/rotate", async (c) => c.json({ kid: await identity.issuer.rotate() }));

  return app;
}
