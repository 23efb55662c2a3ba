import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { catalogEntry } from "../../modules/catalog.ts";
import type { ModuleStatus } from "../../supervisor/module-runner.ts";
import { parseArgs } from "../args.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import type { Command } from "../io.ts";

/**
 * What an install argument names: a local folder or tarball (a path, relative to the current
 * directory), a catalog module, or a registry package spec.
 */
export function installBody(arg: string, cwd: string, source?: string): Record<string, string> {
  const local = /^[./~]/.test(arg) || arg.endsWith(".tgz") || existsSync(resolve(cwd, arg));
  if (local) {
    if (source)
      throw new CliError(
        EXIT.usage,
        "--source applies to catalog modules and package specs, not local paths",
      );
    return { path: resolve(cwd, arg) };
  }
  const base: Record<string, string> = catalogEntry(arg) ? { short: arg } : { spec: arg };
  return source ? { ...base, source: /^https?:/.test(source) ? source : resolve(cwd, source) } : base;
}

/** `parachute install <short|spec|dir|tarball> [--source <url|dir>]`. */
export const install: Command = async (argv, io) => {
  const args = parseArgs(argv, ["--source"], []);
  const target = args.positional[0];
  if (!target || args.positional.length > 1) {
    throw new CliError(
      EXIT.usage,
      "usage: parachute install <module|package[@version]|dir|tarball> [--source <url|dir>]",
    );
  }
  const source = args.flags.get("--source");
  const body = installBody(target, io.cwd, typeof source === "string" ? source : undefined);
  io.print(`installing ${body.path ?? body.short ?? body.spec} …`);
  const { module } = await io.client().call<{ module: ModuleStatus }>("POST", "/api/modules/install", body);
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
