import { rmSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import type { ServiceRow } from "@parachute/module-kit";
import { removePackage } from "../modules/installer.ts";
import type { JournalEntry } from "../operations/journal.ts";
import { type Flow, type FlowContext, PACKAGES } from "./flow.ts";

export interface UninstallRequest {
  short: string;
  /** Also delete the module's data folder. */
  purge: boolean;
}

interface UninstallEntry extends JournalEntry {
  kind: "uninstall";
  phase: "removing";
  module: string;
  row: ServiceRow;
  purge: boolean;
}

/** Uninstall: journal, stop, remove the row, the package and (with `purge`) the data. */
export const uninstallFlow: Flow<UninstallRequest, UninstallRequest> = {
  kind: "uninstall",
  journaled: true,

  prepare(ctx, req) {
    ctx.installed.mustHave(req.short);
    return { module: req.short, keys: [PACKAGES, req.short], plan: req };
  },

  async run(ctx, { short, purge }, op) {
    const row = ctx.installed.mustHave(short);
    const entry: UninstallEntry = {
      id: op.id,
      kind: "uninstall",
      phase: "removing",
      module: short,
      row,
      purge,
    };
    ctx.journal.write(entry);
    op.step("stop", `stopping ${short}`);
    await ctx.installed.detach(short);
    op.step("remove", `removing ${short}'s package${purge ? " and data" : "; its data stays"}`);
    await removeModuleFiles(ctx, row, purge);
    ctx.journal.close(op.id);
    return { uninstalled: short, purged: purge };
  },

  /** An uninstall cut short is finished: the row, then the files. */
  async recover(ctx, raw) {
    const entry = raw as UninstallEntry;
    ctx.installed.forgetRow(entry.module);
    await removeModuleFiles(ctx, entry.row, entry.purge);
    return `finished the interrupted uninstall of ${entry.module}`;
  },
};

/**
 * Removes what the hub put on disk for a module: a registry package or an unpacked tarball (a folder
 * installed in place stays), and with `purge` the data folder. Safe to run twice.
 */
async function removeModuleFiles(ctx: FlowContext, row: ServiceRow, purge: boolean): Promise<void> {
  const modules = ctx.modulesDir;
  if (isInside(row.installDir, join(modules, "node_modules")))
    await removePackage(modules, row.installDir, ctx.packages);
  else if (isInside(row.installDir, modules)) rmSync(row.installDir, { recursive: true, force: true });
  if (purge) rmSync(join(ctx.home, row.name), { recursive: true, force: true });
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}
