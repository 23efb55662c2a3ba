import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/**
 * A backup archive (docs/contracts/backup.md): a gzipped tar holding `manifest.json` and `home/`, the
 * files of a `PARACHUTE_HOME` as they were at one moment. The manifest lists every file with its size
 * and SHA-256, so a restore can refuse a truncated or altered archive before it changes anything.
 */
export const FORMAT = "parachute-backup";
export const FORMAT_VERSION = 1;
export const MANIFEST = "manifest.json";
export const HOME_DIR = "home";

export interface BackupFile {
  /** Relative to the home, with `/` separators. */
  path: string;
  size: number;
  sha256: string;
  /** Permission bits (owner only: the home is owner-only). */
  mode: number;
}

interface BackupModule {
  short: string;
  version: string;
  package: string | null;
}

export interface BackupManifest {
  format: typeof FORMAT;
  version: typeof FORMAT_VERSION;
  hub_version: string;
  created_at: string;
  /** The home it was taken from, so paths recorded inside it can be moved to the restored home. */
  home: string;
  modules: BackupModule[];
  files: BackupFile[];
}

/** Top-level entries of a home that are not its state: where the hub is, logs, and work folders. */
export const NOT_STATE = new Set(["hub.runtime.json", "logs", "operations", "backups", "lost+found"]);

/** The SHA-256 of a file, streamed (backups hold files of any size). */
export async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Whether a file is an SQLite database (its 16-byte header), which is copied by SQLite itself. */
export function isSqliteHeader(head: Uint8Array): boolean {
  return Buffer.from(head.subarray(0, 16)).toString("latin1") === "SQLite format 3\0";
}
