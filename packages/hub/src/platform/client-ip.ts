/**
 * The address a request comes from, as the login throttle counts it: the socket's peer, unless a
 * trusted front proxy is configured (`PARACHUTE_TRUSTED_PROXY`, set by the Render and Fly configs) —
 * then the header that proxy sets. A single-value header such as `fly-client-ip` is taken whole. For
 * `x-forwarded-for` each proxy appends the address it saw, so only entries counted from the right
 * are trustworthy: `x-forwarded-for` takes the last one (the front proxy's own peer).
 * `x-forwarded-for:N` is for a platform with several proxies in front (Render: a CDN, then its own,
 * whose internal hops add private addresses): the N-th public address from the right, private and
 * internal ones skipped. Whatever lies further left is what the client sent. Never a header the hub
 * does not sit behind: clients could name any address in it.
 *
 * An IPv6 address counts by its /64 prefix: one home or one server is given a whole /64, and
 * rotating through it must not pass for many clients.
 */
export function clientAddress(
  env: Record<string, string | undefined>,
): (req: Request, socketIp: string) => string {
  const setting = env.PARACHUTE_TRUSTED_PROXY?.trim().toLowerCase();
  if (!setting) return (_req, socketIp) => throttleKey(socketIp);
  const [header = "", hops] = setting.split(":", 2);
  const depth = Math.max(1, Math.min(8, Number(hops) || 1));
  return (req, socketIp) => {
    let entries = (req.headers.get(header) ?? "").split(",").map((e) => e.trim().slice(0, 64));
    if (hops) entries = entries.filter((e) => e && !isInternal(e));
    const entry = entries.length >= depth ? entries[entries.length - depth] : "";
    return throttleKey(entry || socketIp);
  };
}

/** Loopback, private (RFC 1918, RFC 4193), link-local and shared (RFC 6598) addresses. */
function isInternal(ip: string): boolean {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.\d+\.\d+$/i.exec(ip);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 10 ||
      a === 127 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  const v6 = ip.toLowerCase();
  return v6 === "::1" || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6);
}

/** IPv4 as it is; IPv6 as its /64 (the first four groups). */
function throttleKey(ip: string): string {
  if (!ip.includes(":") || /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip)) return ip.replace(/^::ffff:/i, "");
  const [head = "", tail = ""] = ip.split("::", 2);
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = ip.includes("::")
    ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g || "0", 16) || 0).toString(16))
    .join(":")}::/64`;
}
