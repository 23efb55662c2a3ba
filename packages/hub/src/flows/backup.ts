import { randomBytes } from "node:crypto";
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeBackup } from "../backup/write-backup.ts";
import { resolveHome } from "../platform/home.ts";
import { HUB_VERSION } from "../version.ts";
import type { Flow } from "./flow.ts";

/** Backups made for a download, in the home until fetched (or an hour has passed). */
const DOWNLOAD_PREFIX = ".backup-download-";
const KEEP_MS = 60 * 60 * 1000;

/** The file a download id names, or null for anything that is not one. */
export function downloadFile(home: string, id: string): string | null {
  return /^[0-9a-f]{32}$/.test(id) ? join(home, `${DOWNLOAD_PREFIX}${id}.tar.gz`) : null;
}

/** Removes downloads left unfetched for an hour (at each backup, each download, and at start). */
export function sweepDownloads(home: string, now: number): void {
  for (const name of readdirSync(home)) {
    if (!name.startsWith(DOWNLOAD_PREFIX)) continue;
    const path = join(home, name);
    if (now - statSync(path).mtimeMs > KEEP_MS) rmSync(path, { force: true });
  }
}

/**
 * A backup for the admin app to download: the same archive as `parachute backup`, written into the
 * home while everything keeps running; the result names where to fetch it (once).
 */
export const backupFlow: Flow<Record<string, never>, null> = {
  kind: "backup",
  journaled: false,

  prepare() {
    return { module: "hub", keys: ["*backup"], plan: null };
  },

  async run(ctx, _plan, op) {
    sweepDownloads(ctx.home, Date.now());
    const id = randomBytes(16).toString("hex");
    op.step("backup", "taking a backup of the home");
    const { bytes, manifest } = await writeBackup(
      resolveHome({ PARACHUTE_HOME: ctx.home }),
      downloadFile(ctx.home, id)!,
      HUB_VERSION,
    );
    return {
      download: `/api/hub/backups/${id}`,
      bytes,
      modules: manifest.modules,
      createdAt: manifest.created_at,
      message: `a backup of the hub and ${manifest.modules.length} modules is ready to download`,
    };
  },
};
