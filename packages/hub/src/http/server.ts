import type { Server } from "bun";
import type { Hono } from "hono";
import { HubError } from "../errors.ts";
import { normalisePath } from "../proxy/normalise-path.ts";
import type { createProxy } from "../proxy/proxy.ts";
import type { RouteTable } from "../proxy/route-table.ts";
import { type BridgeData, bridgeHandler } from "../proxy/websocket-bridge.ts";
import { errorResponse } from "./errors.ts";

export interface ServerDeps {
  hostname: string;
  port: number;
  app: Hono;
  proxy: ReturnType<typeof createProxy>;
  routes: () => RouteTable;
  /** Whether the hub answers to this `Host` (platform/hosts.ts). */
  knownHost: (host: string) => boolean;
}

/**
 * The front door: a request without a `Host`, or for a host this hub does not answer to, is refused
 * (only `/health` answers any host, for platform health checks); every path is normalised (or
 * refused with 400); a path under a module's mount goes to the proxy, everything else to the hub's
 * own app.
 */
export function startServer(deps: ServerDeps): Server<BridgeData> {
  return Bun.serve<BridgeData>({
    hostname: deps.hostname,
    port: deps.port,
    idleTimeout: 60,
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    websocket: bridgeHandler,
    async fetch(req, server) {
      try {
        const host = req.headers.get("host");
        if (!host) throw new HubError("invalid", "missing_host", "the request has no Host header");
        const url = URL.parse(req.url);
        if (!url) throw new HubError("invalid", "bad_host", "the Host header is not a host name");
        const path = normalisePath(url.pathname);
        if (!deps.knownHost(host) && path !== "/health") {
          throw new HubError(
            "invalid",
            "unknown_host",
            `this hub does not answer to "${host.slice(0, 100)}"; its operator can add the name to PARACHUTE_ALLOWED_HOSTS`,
          );
        }
        if (deps.routes().match(path)) {
          const clientIp = server.requestIP(req)?.address ?? "unknown";
          return await deps.proxy(req, { server, clientIp, path });
        }
        if (path !== url.pathname) {
          url.pathname = path;
          return await deps.app.fetch(new Request(url, req));
        }
        return await deps.app.fetch(req);
      } catch (err) {
        return errorResponse(err);
      }
    },
  });
}
