import type { ModuleStatus } from "../../supervisor/module-runner.ts";
import { parseArgs } from "../args.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import type { Command } from "../io.ts";

/** `parachute start|stop|restart <short>`: waits for the outcome and reports it. */
export function lifecycle(verb: "start" | "stop" | "restart"): Command {
  return async (argv, io) => {
    const args = parseArgs(argv, [], []);
    const short = args.positional[0];
    if (!short || args.positional.length > 1)
      throw new CliError(EXIT.usage, `usage: parachute ${verb} <module>`);
    const { module } = await io
      .client()
      .call<{ module: ModuleStatus }>("POST", `/api/modules/${encodeURIComponent(short)}/${verb}`, {});
    io.print(`${module.short}: ${module.state}${module.reason ? ` (${module.reason})` : ""}`);
    const wanted = verb === "stop" ? "inactive" : "active";
    return module.state === wanted ? EXIT.ok : EXIT.failed;
  };
}
