import { accessSync, constants, existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { type Manifest, readManifest, type ServiceRow } from "@parachute/module-kit";
import type { ModuleStatus } from "../api-types.ts";
import { type CheckResult, fail, ok, warn } from "./check.ts";

/** What was found of a module's package on disk: a problem, or the files it runs from. */
export type PackageFacts = { problem: string } | { manifest: Manifest; entries: string[] };

/** What the running hub says of a module. */
export type HubView =
  | { kind: "unchecked"; why: string }
  | { kind: "unlisted" }
  | { kind: "status"; status: ModuleStatus };

const SCRIPT = /\.(m|c)?[jt]sx?$/;

/**
 * The files a start command runs from, resolved against the package: a command given as a path, and
 * each argument that names a script (`src/main.ts`, `./bin/server`). Flags and subcommands are not files.
 */
export function entryFiles(startCmd: string[], dir: string): string[] {
  const [cmd, ...args] = startCmd;
  const files = cmd?.includes("/") ? [cmd] : [];
  for (const a of args) if (!a.startsWith("-") && (a.includes("/") || SCRIPT.test(a))) files.push(a);
  return files.map((f) => (isAbsolute(f) ? f : resolve(dir, f)));
}

/** Reads a module's package: its folder, package.json, manifest (as the hub checks it) and entry files. */
export async function packageFacts(row: ServiceRow, path: string | undefined): Promise<PackageFacts> {
  const dir = row.installDir;
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    return { problem: `its package folder ${dir} is missing` };
  if (!existsSync(`${dir}/package.json`)) return { problem: `${dir} has no package.json` };
  let manifest: Manifest;
  try {
    manifest = await readManifest(dir);
  } catch (err) {
    return { problem: `its manifest cannot be used: ${(err as Error).message}` };
  }
  if (JSON.stringify(row.paths) !== JSON.stringify(manifest.paths))
    return {
      problem: `services.json gives it the paths ${row.paths.join(", ")}, its manifest ${manifest.paths.join(", ")}`,
    };
  const [cmd] = manifest.startCmd;
  // "bun" is the Bun that runs the hub; any other bare command is looked up on the PATH.
  if (cmd && cmd !== "bun" && !cmd.includes("/") && !Bun.which(cmd, { PATH: path ?? "" }))
    return { problem: `its start command \`${cmd}\` is not on the PATH` };
  const entries = entryFiles(manifest.startCmd, dir);
  for (const f of entries) {
    if (!existsSync(f)) return { problem: `its entry file ${f} is missing` };
    if (f === resolve(dir, cmd ?? "")) {
      try {
        accessSync(f, constants.X_OK);
      } catch {
        return { problem: `its start command ${f} is not executable` };
      }
    }
  }
  return { manifest, entries };
}

/** One module: its package is whole and runnable, and the running hub has it active. */
export function judgeModule(row: ServiceRow, pkg: PackageFacts, hub: HubView): CheckResult {
  const id = `module:${row.name}`;
  const name = `${row.name} ${row.version}`;
  if ("problem" in pkg) {
    const spec = row.package ?? row.path ?? row.name;
    return fail(
      id,
      `${name}: ${pkg.problem}`,
      `reinstall it: \`parachute uninstall ${row.name}\`, then \`parachute install ${spec}\` (its data folder is kept)`,
    );
  }
  const files = pkg.entries.length
    ? `runs ${pkg.entries.join(" ")}`
    : `runs \`${pkg.manifest.startCmd.join(" ")}\``;
  if (hub.kind === "unchecked")
    return ok(id, `${name}: package complete, ${files} (state not checked: ${hub.why})`);
  if (hub.kind === "unlisted")
    return warn(
      id,
      `${name} is in services.json but not known to the running hub`,
      "restart the hub to pick it up, or reinstall the module",
    );
  const s = hub.status;
  const logs = `see why with \`parachute logs ${row.name}\`, then \`parachute restart ${row.name}\``;
  if (s.state === "active") return ok(id, `${name} is active, ${files}`);
  if (s.state === "failing") return fail(id, `${name} is failing: ${s.reason ?? "no reason given"}`, logs);
  if (s.state === "inactive" && !s.wanted)
    return ok(id, `${name} is stopped (it stays down until \`parachute start ${row.name}\`)`);
  return warn(id, `${name} is ${s.state}${s.reason ? `: ${s.reason}` : ""}`, logs);
}
