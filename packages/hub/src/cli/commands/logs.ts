import { parseArgs } from "../args.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import type { Command } from "../io.ts";
import { readSse } from "../sse.ts";

/** `parachute logs <short> [-f] [-n N]`: the last N lines, then new ones while following. */
export const logs: Command = async (argv, io) => {
  const args = parseArgs(argv, ["-n"], ["-f", "--follow"]);
  const short = args.positional[0];
  if (!short || args.positional.length > 1)
    throw new CliError(EXIT.usage, "usage: parachute logs <module> [-f] [-n N]");
  const n = Number(args.flags.get("-n") ?? 50);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new CliError(EXIT.usage, "-n takes a whole number from 1 to 1000");
  const client = io.client();
  const name = encodeURIComponent(short);
  if (!(args.flags.has("-f") || args.flags.has("--follow"))) {
    const { lines } = await client.call<{ lines: string[] }>("GET", `/api/modules/${name}/logs?n=${n}`);
    for (const line of lines) io.print(line);
    return EXIT.ok;
  }
  const stream = await client.stream(`/api/modules/${name}/logs/stream?n=${n}`);
  await readSse(
    stream.body!,
    (e) => {
      io.print(e.data);
      return true;
    },
    io.interrupted,
  );
  return EXIT.ok;
};
