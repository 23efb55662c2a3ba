/** A module's claim on the hub's path space. */
export interface Route {
  prefix: string;
  short: string;
  port: number;
  stripPrefix: boolean;
  websocket: boolean;
}

/** Longest-prefix matching on whole path segments: `/notes` matches `/notes` and `/notes/x`, never `/notesx`. */
export class RouteTable {
  private readonly routes: Route[];

  constructor(routes: Route[]) {
    this.routes = [...routes].sort((a, b) => b.prefix.length - a.prefix.length);
  }

  match(path: string): Route | null {
    for (const r of this.routes) {
      if (path === r.prefix || path.startsWith(`${r.prefix}/`)) return r;
    }
    return null;
  }

  all(): readonly Route[] {
    return this.routes;
  }

  /** The path as the module should see it. */
  static upstreamPath(route: Route, path: string): string {
    if (!route.stripPrefix) return path;
    return path.slice(route.prefix.length) || "/";
  }
}

/** Compiles a `publicPaths` glob: `*` is one path segment, `**` any run of segments. */
export function globToRegExp(glob: string): RegExp {
  const re = glob
    .split(/(\*\*|\*)/)
    .map((part) =>
      part === "**" ? ".*" : part === "*" ? "[^/]*" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"),
    )
    .join("");
  return new RegExp(`^${re}$`);
}
