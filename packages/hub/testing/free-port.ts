/**
 * A port the system just gave and took back, for a program that must be told its port up front (a
 * registry, a container's PORT). Something else could take it before that program binds: callers
 * that can, retry with a fresh one.
 */
export async function freePort(): Promise<number> {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port!;
  await probe.stop(true);
  return port;
}
