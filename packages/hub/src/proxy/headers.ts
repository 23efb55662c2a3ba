const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

/** Removes hop-by-hop headers, including any the Connection header names. */
export function dropHopByHop(headers: Headers): Headers {
  const out = new Headers(headers);
  for (const name of (headers.get("connection") ?? "").split(",")) {
    if (name.trim()) out.delete(name.trim());
  }
  for (const h of HOP_BY_HOP) out.delete(h);
  return out;
}

export interface ForwardedFacts {
  clientIp: string;
  proto: "http" | "https";
  host: string;
  prefix: string;
  /** A trusted front proxy set the incoming chain: extend it. Otherwise it is the client's own words. */
  keepChain: boolean;
}

/**
 * Sets the X-Forwarded-* family as the hub saw the request. Other client-address headers a module
 * might believe (`Forwarded`, `X-Real-IP`) are dropped, and an incoming X-Forwarded-For chain is kept
 * only behind a trusted front proxy.
 */
export function setForwarded(headers: Headers, f: ForwardedFacts): void {
  const chain = f.keepChain ? headers.get("x-forwarded-for") : null;
  headers.delete("forwarded");
  headers.delete("x-real-ip");
  headers.set("x-forwarded-for", chain ? `${chain}, ${f.clientIp}` : f.clientIp);
  headers.set("x-forwarded-proto", f.proto);
  headers.set("x-forwarded-host", f.host);
  headers.set("x-forwarded-prefix", f.prefix);
  headers.delete("host");
}

/** The hub's own cookie names: a module may never set them (planting or clearing an admin session). */
const HUB_COOKIE = /^\s*(__Host-)?parachute_session\s*=/i;

/** A module's response headers without any Set-Cookie for the hub's session cookie. */
export function withoutHubCookies(headers: Headers): Headers {
  const cookies = headers.getSetCookie();
  if (!cookies.some((c) => HUB_COOKIE.test(c))) return headers;
  headers.delete("set-cookie");
  for (const c of cookies) if (!HUB_COOKIE.test(c)) headers.append("set-cookie", c);
  return headers;
}
