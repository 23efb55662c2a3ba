import { Hono } from "hono";
import { HubError } from "../errors.ts";
import type { TokenIssuer } from "../identity/issuer.ts";
import type { OAuthStore } from "../identity/oauth-store.ts";
import type { AuthEnv } from "./api-auth.ts";

/** `/api/oauth/clients` (connected apps: list, disconnect) and `/api/keys/rotate`. Needs `hub:admin`. */
export function grantsApi(store: OAuthStore, issuer: TokenIssuer): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get("/oauth/clients", (c) => c.json({ clients: store.clients() }));

  app.delete("/oauth/clients/:id", (c) => {
    const id = c.req.param("id");
    if (!store.revokeClient(id)) throw new HubError("not_found", "unknown_client", `no connected app ${id}`);
    return c.json({ revoked: id });
  });

  app.post("/keys/rotate", async (c) => c.json({ kid: await issuer.rotate() }));

  return app;
}
