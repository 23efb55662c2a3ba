import { Hono } from "hono";
import { HubError } from "../errors.ts";
import { HUB_VERSION } from "../version.ts";
import type { AppDeps } from "./deps.ts";

/** `/.well-known`: public discovery documents, keys and revocations. */
export function wellKnownApp({ hub, identity, oauth, site }: AppDeps): Hono {
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
    return c.json(identity.issuer.jwks());
  });

  // Revoked tokens that have not expired yet; jtis alone grant nothing, so the list is public.
  app.get("/parachute-revocations.json", (c) => c.json({ revoked: identity.issuer.revocations() }));

  app.get("/oauth-authorization-server", (c) => c.json(oauth.metadata(site.origin(c.req.raw))));

  // RFC 9728: metadata for a module's protected resource, found from the resource's own path.
  app.get("/oauth-protected-resource/*", (c) => {
    const path = c.req.path.slice("/.well-known/oauth-protected-resource".length);
    const doc = oauth.resourceMetadata(site.origin(c.req.raw), path);
    if (!doc) throw new HubError("not_found", "not_found", `no protected resource at ${path}`);
    return c.json(doc);
  });

  return app;
}
