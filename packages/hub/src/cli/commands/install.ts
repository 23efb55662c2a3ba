import { resolve } from "node:path";
import type { ModuleStatus } from "../../supervisor/module-runner.ts";
import { parseArgs } from "../args.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import type { Command } from "../io.ts";

/** `parachute install <dir|tarball>`: the path is taken relative to the current directory. */
export const install: Command = async (argv, io) => {
  const args = parseArgs(argv, [], []);
  const target = args.positional[0];
  if (!target || args.positional.length > 1)
    throw new CliError(EXIT.usage, "usage: parachute install <dir|tarball>");
  const path = resolve(io.cwd, target);
  io.print(`installing ${path} …`);
  const { module } = await io
    .client()
    .call<{ module: ModuleStatus }>("POST", "/api/modules/install", { path });
  io.print(`${module.short} ${module.version} is ${module.state} on port ${module.port}`);
  return EXIT.ok;
};

/** `parachute uninstall <short>`: stops the module and removes it; its data stays. */
export const uninstall: Command = async (argv, io) => {
  const args = parseArgs(argv, [], []);
  const short = args.positional[0];
  if (!short || args.positional.length > 1)
    throw new CliError(EXIT.usage, "usage: parachute uninstall <module>");
  await io.client().call("POST", `/api/modules/${encodeURIComponent(short)}/uninstall`, {});
  io.print(`${short} uninstalled (its data folder is kept)`);
  return EXIT.ok;
};
