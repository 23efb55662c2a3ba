import { Hono } from "hono";
import { HubError } from "../errors.ts";
import type { AuthEnv } from "./api-auth.ts";
import type { AppDeps } from "./deps.ts";

/** `/api/oauth/clients`: the connected apps (OAuth clients); list, disconnect. */
export function oauthClientsApi({ oauthStore, identity }: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get("/", (c) => c.json({ clients: oauthStore.clients() }));

  app.delete("/:id", (c) => {
    const id = c.req.param("id");
    const families = oauthStore.familiesOf(id);
    if (!oauthStore.revokeClient(id))
      throw new HubError("not_found", "unknown_client", `no connected app ${id}`);
    // Its access tokens end with it, not only the refresh tokens that would renew them.
    for (const family of families) identity.issuer.revokeLabel(`oauth:${family}`);
    return c.json({ revoked: id });
  });

  return app;
}
