import type { ModuleStatus } from "../../api-types.ts";
import { parseArgs } from "../args.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import type { Command } from "../io.ts";
import { followOperation } from "../progress.ts";

/** `parachute start|stop|restart <short>`: waits for the outcome and reports it. */
export function lifecycle(verb: "start" | "stop" | "restart"): Command {
  return async (argv, io) => {
    const args = parseArgs(argv, [], []);
    const short = args.positional[0];
    if (!short || args.positional.length > 1)
      throw new CliError(EXIT.usage, `usage: parachute ${verb} <module>`);
    const path = `/api/modules/${encodeURIComponent(short)}/${verb}`;
    const op = await followOperation(io.client(), io.terminal, path, {}, io.interrupted);
    const module = op.result as ModuleStatus;
    io.print(`${module.short}: ${module.state}${module.reason ? ` (${module.reason})` : ""}`);
    return EXIT.ok;
  };
}
