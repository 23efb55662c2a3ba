/**
 * The address a request comes from, as the login throttle counts it: the socket's peer, unless a
 * trusted front proxy is configured (`PARACHUTE_TRUSTED_PROXY`, set by the Render and Fly configs) —
 * then the header that proxy sets. A single-value header such as `fly-client-ip` is taken whole. For
 * `x-forwarded-for` each proxy appends the address it saw, so only entries counted from the right
 * are trustworthy: `x-forwarded-for` takes the last one (the front proxy's own peer), and
 * `x-forwarded-for:2` the one before it, for a platform with two proxies in front (Render: a CDN, then
 * its own). Whatever lies further left is what the client sent. Never a header the hub does not sit
 * behind: clients could name any address in it.
 */
export function clientAddress(
  env: Record<string, string | undefined>,
): (req: Request, socketIp: string) => string {
  const setting = env.PARACHUTE_TRUSTED_PROXY?.trim().toLowerCase();
  if (!setting) return (_req, socketIp) => socketIp;
  const [header = "", hops] = setting.split(":", 2);
  const depth = Math.max(1, Math.min(8, Number(hops) || 1));
  return (req, socketIp) => {
    const entries = (req.headers.get(header) ?? "").split(",").map((e) => e.trim());
    const entry = entries.length >= depth ? entries[entries.length - depth] : "";
    return entry ? entry.slice(0, 64) : socketIp;
  };
}
