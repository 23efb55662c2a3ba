/**
 * The address a request comes from, as the login throttle counts it: the socket's peer, unless a
 * trusted front proxy is configured (`PARACHUTE_TRUSTED_PROXY`, set by the Render and Fly configs) —
 * then the header that proxy sets: for `x-forwarded-for` the last entry (the one the proxy itself
 * appended; earlier ones are whatever the client sent), for a single-value header such as
 * `fly-client-ip` its value. Never a header the hub does not sit behind: clients could name any
 * address in it.
 */
export function clientAddress(
  env: Record<string, string | undefined>,
): (req: Request, socketIp: string) => string {
  const header = env.PARACHUTE_TRUSTED_PROXY?.trim().toLowerCase();
  if (!header) return (_req, socketIp) => socketIp;
  return (req, socketIp) => {
    const value = req.headers.get(header);
    const last = value?.split(",").pop()?.trim();
    return last ? last.slice(0, 64) : socketIp;
  };
}
