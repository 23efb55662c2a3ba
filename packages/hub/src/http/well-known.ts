import { Hono } from "hono";
import type { Hub } from "../hub.ts";
import type { TokenIssuer } from "../identity/issuer.ts";
import { HUB_VERSION } from "../version.ts";
import type { Site } from "./site.ts";

/** Public discovery documents under `/.well-known`. */
export function wellKnown(hub: Hub, issuer: TokenIssuer, site: Site): Hono {
  const app = new Hono();

  app.get("/parachute.json", (c) => {
    const base = site.origin(c.req.raw);
    const byShort = new Map(hub.installed.status().map((s) => [s.short, s]));
    const modules = new Map<string, { name: string; state: string; urls: string[] }>();
    for (const r of hub.installed.routes().all()) {
      const entry = modules.get(r.short) ?? {
        name: r.short,
        state: byShort.get(r.short)?.state ?? "inactive",
        urls: [],
      };
      entry.urls.push(`${base}${r.prefix}`);
      modules.set(r.short, entry);
    }
    return c.json({ hub: { version: HUB_VERSION, origin: base }, modules: [...modules.values()] });
  });

  app.get("/jwks.json", (c) => {
    c.header("cache-control", "public, max-age=300");
    return c.json(issuer.jwks());
  });

  // Revoked tokens that have not expired yet; jtis alone grant nothing, so the list is public.
  app.get("/parachute-revocations.json", (c) => c.json({ revoked: issuer.revocations() }));

  return app;
}
