import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Hub } from "../hub.ts";
import { restoreProject } from "../modules/installer.ts";
import { removeModuleFiles } from "../modules/uninstall-flow.ts";
import { undoUpgrade } from "../modules/upgrade-flow.ts";

/**
 * Runs at boot, before any module starts: every operation whose journal is still there was cut
 * short by a crash. An install whose row was written is finished (the module starts with the
 * rest); one whose row was not is undone. An upgrade is rolled back to the previous package and
 * data. An uninstall is finished. Returns one line per operation, for the hub's log.
 */
export async function recoverOperations(hub: Hub): Promise<string[]> {
  const done: string[] = [];
  const { registry } = hub.deps;
  for (const entry of hub.journal.pending()) {
    const folder = join(hub.journal.dir, entry.id);
    switch (entry.kind) {
      case "install": {
        const row = entry.dir ? registry.rows().find((r) => r.installDir === entry.dir) : undefined;
        if (row) {
          done.push(`finished the interrupted install of ${row.name} ${row.version}`);
          break;
        }
        restoreProject(hub.modulesDir, folder);
        if (entry.dir && !entry.existed) rmSync(entry.dir, { recursive: true, force: true });
        done.push(`undid an interrupted install${entry.dir ? ` of ${entry.dir}` : ""}`);
        break;
      }
      case "upgrade":
        undoUpgrade(hub, entry);
        done.push(`rolled back the interrupted upgrade of ${entry.module} to ${entry.from.version}`);
        break;
      case "uninstall":
        registry.remove(entry.module);
        await removeModuleFiles(hub, entry.row, entry.purge);
        done.push(`finished the interrupted uninstall of ${entry.module}`);
        break;
    }
    hub.journal.close(entry.id);
  }
  sweepUnpacked(hub);
  return done;
}

/** Staging folders of a tarball unpack, and unpacked tarballs no row points at, are debris. */
function sweepUnpacked(hub: Hub): void {
  if (!existsSync(hub.modulesDir)) return;
  for (const f of readdirSync(hub.modulesDir)) {
    if (f.startsWith(".unpack-")) rmSync(join(hub.modulesDir, f), { recursive: true, force: true });
  }
  const local = join(hub.modulesDir, "local");
  if (!existsSync(local)) return;
  const used = new Set(hub.deps.registry.rows().map((r) => r.installDir));
  for (const f of readdirSync(local)) {
    if (!used.has(join(local, f))) rmSync(join(local, f), { recursive: true, force: true });
  }
}
