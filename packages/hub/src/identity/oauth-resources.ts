import { normalisePath } from "../proxy/normalise-path.ts";
import type { Route, RouteTable } from "../proxy/route-table.ts";

/** What the OAuth server knows of the modules it guards. */
export interface ResourceCatalog {
  routes: () => RouteTable;
  /** Every scope the installed modules declare (`<short>:*:<verb>` for per-resource ones). */
  scopes: () => string[];
  /** Whether the hub answers to this host name (platform/hosts.ts). */
  knownHost: (host: string) => boolean;
}

/**
 * The module route a resource indicator (RFC 8707) names: an absolute http(s) URL on a host name this
 * hub answers to, whose path a module serves. Null for anything else — another site, a fragment,
 * credentials in the URL, a path no module serves.
 */
export function resourceRoute(
  catalog: ResourceCatalog,
  resource: string,
): { route: Route; path: string } | null {
  let u: URL;
  try {
    u = new URL(resource);
  } catch {
    return null;
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || u.hash || u.username || u.password) return null;
  if (!catalog.knownHost(u.host)) return null;
  let path: string;
  try {
    path = normalisePath(u.pathname);
  } catch {
    return null;
  }
  const route = catalog.routes().match(path);
  return route ? { route, path } : null;
}

/**
 * The scopes that make sense for a resource path. A module that declares per-resource scopes
 * (`vault:*:write`) gets them for the resource its path names — the first segment under the mount,
 * `vault:default:write` for `/vault/default/mcp` — so a client asks for that vault only; otherwise
 * the module's own scopes.
 */
export function scopesFor(declared: string[], route: Route, path: string): string[] {
  const own = declared.filter((s) => s.startsWith(`${route.short}:`));
  const perResource = own.filter((s) => s.startsWith(`${route.short}:*:`));
  const segment = path.slice(route.prefix.length).split("/")[1];
  if (perResource.length && segment && /^[a-z0-9][a-z0-9-]*$/.test(segment)) {
    return perResource.map((s) => s.replace(":*:", `:${segment}:`));
  }
  return own.filter((s) => !s.includes("*"));
}
