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
}

/** Sets the X-Forwarded-* family; an existing X-Forwarded-For chain is extended, not trusted away. */
export function setForwarded(headers: Headers, f: ForwardedFacts): void {
  const chain = headers.get("x-forwarded-for");
  headers.set("x-forwarded-for", chain ? `${chain}, ${f.clientIp}` : f.clientIp);
  headers.set("x-forwarded-proto", f.proto);
  headers.set("x-forwarded-host", f.host);
  headers.set("x-forwarded-prefix", f.prefix);
  headers.delete("host");
}
