import type { Server } from "bun";
import { HubError } from "../errors.ts";
import { dropHopByHop, setForwarded, withoutHubCookies } from "./headers.ts";
import { downResponse, startingResponse } from "./pages.ts";
import { type Route, RouteTable } from "./route-table.ts";
import { type BridgeData, bridgeUpgrade } from "./websocket-bridge.ts";

/**
 * Decides whether a request may reach a module and may adjust the headers sent upstream (the identity
 * layer injects a short-lived token here). Returning a Response ends the request with it.
 */
export type ProxyGate = (
  req: Request,
  route: Route,
  path: string,
  upstreamHeaders: Headers,
) => Promise<Response | undefined>;

export interface ProxyDeps {
  routes(): RouteTable;
  /**
   * The scheme of the origin the client used: the public origin's (https behind a platform's TLS)
   * for a request to its host, the socket's own for any other (loopback) name.
   */
  proto(req: Request): "http" | "https";
  /** Whether a trusted front proxy sits before the hub, so an incoming X-Forwarded-For chain is kept. */
  trustedProxy: boolean;
  moduleState(short: string): { state: string; reason: string | null } | undefined;
  /** The client's address as the throttles see it (a trusted front proxy's header, else the peer). */
  clientAddress(req: Request): string;
  gate: ProxyGate;
}

/**
 * Requests one client may have waiting on one module at once. More are refused at the door, so one
 * client flooding an expensive route cannot starve everyone else, nor the hub's own health checks.
 */
const MAX_IN_FLIGHT_PER_CLIENT = 64;

export interface RequestFacts {
  server: Server<BridgeData>;
  clientIp: string;
  path: string;
}

/** The reverse proxy: routes a normalised path to its module and streams both ways. */
export function createProxy(deps: ProxyDeps) {
  const inFlight = new Map<string, number>();
  return async function proxy(req: Request, facts: RequestFacts): Promise<Response | undefined> {
    const route = deps.routes().match(facts.path);
    if (!route) throw new HubError("not_found", "not_found", `nothing is served at ${facts.path}`);
    const url = new URL(req.url);
    const headers = dropHopByHop(req.headers);
    setForwarded(headers, {
      clientIp: facts.clientIp,
      proto: deps.proto(req),
      host: url.host,
      prefix: route.prefix,
      keepChain: deps.trustedProxy,
    });
    // A length repeated ("5, 5") would make the upstream request fail as if the module were down.
    const length = req.headers.get("content-length");
    if (length !== null && !/^\d+$/.test(length))
      throw new HubError("invalid", "bad_content_length", "send one Content-Length, a whole number of bytes");
    const denied = await deps.gate(req, route, facts.path, headers);
    if (denied) return denied;

    const st = deps.moduleState(route.short);
    if (st?.state !== "active") {
      if (st?.state === "pending") return startingResponse(req, route.short, st.reason);
      return downResponse(req, route.short, st?.state ?? "not installed", st?.reason ?? null);
    }
    const target = `127.0.0.1:${route.port}${RouteTable.upstreamPath(route, facts.path)}${url.search}`;

    if (req.headers.get("upgrade")?.toLowerCase() === "websocket") {
      if (!route.websocket) {
        throw new HubError("invalid", "websocket_not_supported", `${route.short} does not accept WebSockets`);
      }
      return bridgeUpgrade(req, facts.server, `ws://${target}`, headers);
    }

    // Counted until the module has answered (its headers): a long download or stream is not held against it.
    const key = `${route.short}\n${deps.clientAddress(req)}`;
    const waiting = inFlight.get(key) ?? 0;
    if (waiting >= MAX_IN_FLIGHT_PER_CLIENT) {
      throw new HubError(
        "throttled",
        "too_many_requests",
        `${MAX_IN_FLIGHT_PER_CLIENT} requests to ${route.short} are already waiting for an answer; send more as they finish`,
        { retryAfterS: 1 },
      );
    }
    inFlight.set(key, waiting + 1);
    let upstream: Response;
    try {
      upstream = await fetch(`http://${target}`, {
        method: req.method,
        headers,
        body: req.body,
        redirect: "manual",
        decompress: false,
        duplex: "half",
        // A client that goes away takes its upstream request with it: nothing is left holding a connection.
        signal: req.signal,
      } as RequestInit);
    } catch {
      return downResponse(req, route.short, "unreachable", "the connection to the module failed");
    } finally {
      const left = (inFlight.get(key) ?? 1) - 1;
      if (left > 0) inFlight.set(key, left);
      else inFlight.delete(key);
    }
    // Long-lived streams (Server-Sent Events and the like) must not hit the idle timeout.
    if (upstream.headers.get("content-type")?.startsWith("text/event-stream")) facts.server.timeout(req, 0);
    return new Response(upstream.body, {
      status: upstream.status,
      statusText: upstream.statusText,
      headers: withoutHubCookies(dropHopByHop(upstream.headers)),
    });
  };
}
