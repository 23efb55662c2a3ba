import { ServeError, serve as startHub } from "../../serve.ts";
import { parseArgs } from "../args.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import type { Command } from "../io.ts";

/** Port from --port, else PORT, else 1939 (0 picks a free one). */
export function choosePort(flag: string | true | undefined, env: Record<string, string | undefined>): number {
  const raw = typeof flag === "string" ? flag : env.PORT || "1939";
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(EXIT.usage, `"${raw}" is not a port`);
  return port;
}

/** `parachute serve [--port N]`: runs the hub in the foreground until SIGTERM/SIGINT. */
export const serve: Command = async (argv, io) => {
  const args = parseArgs(argv, ["--port"], []);
  if (args.positional.length) throw new CliError(EXIT.usage, "usage: parachute serve [--port N]");
  const port = choosePort(args.flags.get("--port"), io.env);
  const hostname = io.env.PARACHUTE_BIND_HOST || "127.0.0.1";
  let hub: Awaited<ReturnType<typeof startHub>>;
  try {
    hub = await startHub({ port, hostname, env: io.env, echo: io.print });
  } catch (err) {
    if (err instanceof ServeError) throw new CliError(EXIT.badState, err.message);
    throw err;
  }
  await io.interrupted;
  await hub.shutdown();
  return EXIT.ok;
};
