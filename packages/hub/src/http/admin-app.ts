import { existsSync } from "node:fs";
import { join } from "node:path";
import { StaticSite } from "@parachute/module-kit";
import type { Handler } from "hono";
import { htmlPage } from "./pages.ts";

/** What the admin app's page may load and talk to: the hub itself (QR codes are data: images). */
const ADMIN_PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Where the admin app's build is: beside the bundled hub (`dist/admin`, put there when the hub is
 * packed), or in a checkout's `packages/admin/dist/web` (built by `npm ci`).
 */
function adminBuild(): string | null {
  const candidates = [
    join(import.meta.dir, "admin"),
    join(import.meta.dir, "..", "..", "..", "admin", "dist", "web"),
  ];
  return candidates.find((dir) => existsSync(join(dir, "index.html"))) ?? null;
}

/**
 * `/admin` and everything under it: the admin app (setup wizard, dashboard, …), one page that routes
 * itself, with long-cached hashed assets. Loaded once, at the first request.
 */
export function adminApp(): Handler {
  let site: StaticSite | null = null;
  return (c) => {
    if (!site) {
      const dir = adminBuild();
      if (!dir)
        return htmlPage(
          "The admin app is not built",
          "<p>This checkout has no build of the admin app. Run <code>npm ci</code> (or <code>bun scripts/build-web.ts packages/admin</code>) and reload.</p>",
          503,
        );
      site = new StaticSite(dir, "/admin", ADMIN_PAGE_POLICY);
    }
    return site.serve(c.req.raw, c.req.path) ?? c.notFound();
  };
}
