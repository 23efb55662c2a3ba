import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { ModuleStatus, OperationView } from "../../api-types.ts";
import { CATALOG, catalogEntry } from "../../modules/catalog.ts";
import { nearest } from "../../platform/suggest.ts";
import { parseArgs } from "../args.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import type { Command } from "../io.ts";
import { followOperation } from "../progress.ts";

const CATALOG_SHORTS = CATALOG.map((e) => e.short);

/**
 * What an install argument names: a local folder or tarball (a path, relative to the current
 * directory), a catalog module, or a registry package spec.
 */
function installBody(arg: string, cwd: string, source?: string): Record<string, string> {
  const local = /^[./~]/.test(arg) || arg.endsWith(".tgz") || existsSync(resolve(cwd, arg));
  if (local) {
    if (source)
      throw new CliError(
        EXIT.usage,
        "--source applies to catalog modules and package specs, not local paths",
      );
    return { path: resolve(cwd, arg) };
  }
  const name = arg.split("@")[0]!;
  // A bare name a typo away from a catalog module is taken for that typo, not for an npm package.
  const typo =
    !catalogEntry(name) && !arg.includes("@") && !arg.includes("/") ? nearest(name, CATALOG_SHORTS) : null;
  if (typo) {
    throw new CliError(
      EXIT.rejected,
      `no module "${name}" in the catalog; did you mean ${typo}? (to install the npm package "${name}", give a version: ${name}@latest)`,
    );
  }
  const base: Record<string, string> = catalogEntry(name) ? { short: arg } : { spec: arg };
  return source ? { ...base, source: /^https?:/.test(source) ? source : resolve(cwd, source) } : base;
}

/** `parachute install <short|spec|dir|tarball> [--source <url|dir>]`. */
export const install: Command = async (argv, io) => {
  const args = parseArgs(argv, ["--source"], []);
  const target = args.positional[0];
  if (!target || args.positional.length > 1) {
    throw new CliError(
      EXIT.usage,
      "usage: parachute install <module[@version]|package[@version]|dir|tarball> [--source <url|dir>]",
    );
  }
  const source = args.flags.get("--source");
  const body = installBody(target, io.cwd, typeof source === "string" ? source : undefined);
  const op = await followOperation(io.client(), io.terminal, "/api/modules/install", body, io.interrupted);
  const module = op.result as ModuleStatus;
  io.print(
    `${module.short} ${module.version} is ${module.state} ${module.url ? `at ${module.url}` : `on port ${module.port}`}`,
  );
  return EXIT.ok;
};

/** `parachute upgrade <short> [--version v]`; `parachute upgrade hub [--version v]`. */
export const upgrade: Command = async (argv, io) => {
  const args = parseArgs(argv, ["--version"], []);
  const short = args.positional[0];
  if (!short || args.positional.length > 1)
    throw new CliError(EXIT.usage, "usage: parachute upgrade <module|hub> [--version <version|channel>]");
  const version = args.flags.get("--version");
  const body = typeof version === "string" ? { version } : {};
  const path = short === "hub" ? "/api/hub/upgrade" : `/api/modules/${encodeURIComponent(short)}/upgrade`;
  let op: OperationView;
  try {
    op = await followOperation(io.client(), io.terminal, path, body, io.interrupted);
  } catch (err) {
    // Nothing newer than the running hub: nothing to do, as for a module already at its version.
    if (err instanceof CliError && err.code === "hub_current") {
      io.print(err.message);
      return EXIT.ok;
    }
    throw err;
  }
  const result = op.result as { short?: string; version: string; previousVersion?: string; message?: string };
  io.print(
    result.message ??
      (result.previousVersion === result.version
        ? `${result.short} is already at ${result.version}`
        : `${result.short} upgraded from ${result.previousVersion} to ${result.version}`),
  );
  if (short === "hub" && result.previousVersion) {
    const running = await io.client().waitForHub(result.version, 60_000);
    io.print(`hub ${running.version} is serving at ${running.origin} (pid ${running.pid})`);
  }
  return EXIT.ok;
};

/** `parachute uninstall <short> [--purge]`: stops the module and removes it; its data stays unless purged. */
export const uninstall: Command = async (argv, io) => {
  const args = parseArgs(argv, [], ["--purge"]);
  const short = args.positional[0];
  if (!short || args.positional.length > 1)
    throw new CliError(EXIT.usage, "usage: parachute uninstall <module> [--purge]");
  const purge = args.flags.has("--purge");
  await followOperation(
    io.client(),
    io.terminal,
    `/api/modules/${encodeURIComponent(short)}/uninstall`,
    { purge },
    io.interrupted,
  );
  io.print(
    purge ? `${short} uninstalled and its data deleted` : `${short} uninstalled (its data folder is kept)`,
  );
  return EXIT.ok;
};
