/** Names every hub answers to: the loopback names, on any port. */
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The host names this hub answers to (docs/product.md, DNS rebinding): loopback names, the host of the
 * configured or platform origin, and the names the operator adds in `PARACHUTE_ALLOWED_HOSTS`
 * (comma-separated, e.g. a tailnet or LAN name). A request for any other `Host` is refused before
 * routing, so a web page whose name was rebound to this machine reaches nothing.
 */
export function knownHosts(
  env: Record<string, string | undefined>,
  origin: string | null,
): (host: string) => boolean {
  const names = new Set(LOOPBACK);
  if (origin) names.add(new URL(origin).hostname.toLowerCase());
  for (const raw of (env.PARACHUTE_ALLOWED_HOSTS ?? "").split(",")) {
    const name = raw.trim().toLowerCase();
    if (name) names.add(name);
  }
  return (host) => names.has(hostOnly(host));
}

/** `Host` without its port, lower-cased: `[::1]:80` → `[::1]`, `Example.org:8443` → `example.org`. */
function hostOnly(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon >= 0 ? h.slice(0, colon) : h;
}
