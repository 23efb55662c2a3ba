import { Hono } from "hono";
import { HubError } from "../errors.ts";
import type { AuthEnv } from "./api-auth.ts";
import type { AppDeps } from "./deps.ts";

/** `/api/oauth/clients`: the connected apps (OAuth clients); list, disconnect. */
export function oauthClientsApi({ oauthStore }: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get("/", (c) => c.json({ clients: oauthStore.clients() }));

  app.delete("/:id", (c) => {
    const id = c.req.param("id");
    if (!oauthStore.revokeClient(id))
      throw new HubError("not_found", "unknown_client", `no connected app ${id}`);
    return c.json({ revoked: id });
  });

  return app;
}
