import { existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sweepDownloads } from "../flows/backup.ts";
import { PENDING_RESTORE } from "../flows/restore.ts";
import type { Home } from "../platform/home.ts";
import { HUB_VERSION } from "../version.ts";
import { restoreBackup } from "./restore.ts";

/**
 * Sweeps backups left unfetched, and applies a restore the admin app asked for, at the start of `serve` before anything opens the home:
 * the archive (already proven whole) replaces the home, whose files are kept aside. Returns what to
 * log. When it cannot be applied, the home is left as it was and the archive kept beside it.
 */
export async function applyPendingRestore(
  home: Home,
  env: Record<string, string | undefined>,
): Promise<string[]> {
  if (existsSync(home.root)) {
    sweepDownloads(home.root, Date.now());
    // Uploads and checks a stop cut short: nothing is under way before the hub starts.
    for (const name of readdirSync(home.root))
      if (/^\.restore-(upload|check)-/.test(name))
        rmSync(join(home.root, name), { recursive: true, force: true });
  }
  const pending = join(home.root, PENDING_RESTORE);
  if (!existsSync(pending)) return [];
  const lines: string[] = [];
  try {
    const done = await restoreBackup(pending, home, {
      force: true,
      hubVersion: HUB_VERSION,
      env,
      log: (line) => lines.push(`restore: ${line}`),
    });
    rmSync(pending, { force: true });
    lines.push(
      `restored the backup of ${done.manifest.created_at}${done.replaced ? `; what the home held is in ${done.replaced}` : ""}`,
    );
  } catch (err) {
    const kept = join(home.root, `.restore-failed-${Date.now()}.tar.gz`);
    renameSync(pending, kept);
    lines.push(`the backup could not be restored (${(err as Error).message}); it is kept in ${kept}`);
  }
  return lines;
}
