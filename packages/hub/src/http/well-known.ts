import { Hono } from "hono";
import type { Hub } from "../hub.ts";
import { HUB_VERSION } from "../version.ts";

/** Public discovery documents under `/.well-known`. */
export function wellKnown(hub: Hub, origin: (req: Request) => string): Hono {
  const app = new Hono();
  app.get("/parachute.json", (c) => {
    const base = origin(c.req.raw);
    const byShort = new Map(hub.status().map((s) => [s.short, s]));
    const modules = new Map<string, { name: string; state: string; urls: string[] }>();
    for (const r of hub.routes().all()) {
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
  return app;
}
