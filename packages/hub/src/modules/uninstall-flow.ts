import { rmSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import type { ServiceRow } from "@parachute/module-kit";
import type { Hub } from "../hub.ts";
import type { Operation } from "../operations/operation.ts";
import { removePackage } from "./installer.ts";

/** The uninstall operation: journal, stop, remove the row, the package and (with `purge`) the data. */
export async function runUninstall(hub: Hub, short: string, purge: boolean, op: Operation) {
  const row = hub.mustHave(short);
  hub.journal.write({ id: op.id, kind: "uninstall", phase: "removing", module: short, row, purge });
  op.step("stop", `stopping ${short}`);
  await hub.detach(short);
  op.step("remove", `removing ${short}'s package${purge ? " and data" : "; its data stays"}`);
  await removeModuleFiles(hub, row, purge);
  hub.journal.close(op.id);
  return { uninstalled: short, purged: purge };
}

/**
 * Removes what the hub put on disk for a module: a registry package or an unpacked tarball (a folder
 * installed in place stays), and with `purge` the data folder. Safe to run twice.
 */
export async function removeModuleFiles(hub: Hub, row: ServiceRow, purge: boolean): Promise<void> {
  const modules = hub.modulesDir;
  if (isInside(row.installDir, join(modules, "node_modules")))
    await removePackage(modules, row.installDir, { guard: hub.deps.guard });
  else if (isInside(row.installDir, modules)) rmSync(row.installDir, { recursive: true, force: true });
  if (purge) rmSync(join(hub.deps.spec.home, row.name), { recursive: true, force: true });
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}
