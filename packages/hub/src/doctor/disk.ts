import { existsSync, statfsSync } from "node:fs";
import { dirname } from "node:path";
import { type CheckResult, fail, ok, warn } from "./check.ts";

/** What `statfs` says about a filesystem (block counts in units of `bsize`). */
export interface FsStats {
  bsize: number;
  blocks: number;
  /** Blocks free to an unprivileged process. */
  bavail: number;
  files: number;
  ffree: number;
}

const MiB = 1024 * 1024;
/** Below this the hub's writes (hub.db, logs, an upgrade's backup of a module's data) start failing. */
const FAIL_BELOW_BYTES = 100 * MiB;
/** Below either of these the disk is worth a look before it fills. */
const WARN_BELOW_BYTES = 1024 * MiB;
const WARN_BELOW_PERCENT = 5;
/** Fewer free inodes than this and new files cannot be made, whatever the free bytes say. */
const FAIL_BELOW_INODES = 1000;

function size(bytes: number): string {
  return bytes >= 1024 * MiB ? `${(bytes / (1024 * MiB)).toFixed(1)} GB` : `${(bytes / MiB).toFixed(1)} MB`;
}

/**
 * Judges the free space of the filesystem holding the home. The failure line is absolute (what the
 * hub's own writes need), the warning also relative, so a large disk that is nearly full is flagged
 * without calling 20 GB free a failure.
 */
export function judgeDisk(home: string, s: FsStats): CheckResult {
  const free = s.bavail * s.bsize;
  const total = s.blocks * s.bsize;
  const percent = s.blocks > 0 ? (s.bavail / s.blocks) * 100 : 0;
  const what = `${size(free)} free (${percent.toFixed(1)}% of ${size(total)}) on the filesystem of ${home}`;
  const fix = `free space there (old logs in ${home}/logs, module backups in ${home}/backups) or move the home to a larger disk`;
  if (free < FAIL_BELOW_BYTES) return fail("disk", `only ${what}; writes will fail`, fix);
  if (s.files > 0 && s.ffree < FAIL_BELOW_INODES)
    return fail(
      "disk",
      `only ${s.ffree} inodes free on the filesystem of ${home}; new files cannot be made`,
      fix,
    );
  if (free < WARN_BELOW_BYTES || percent < WARN_BELOW_PERCENT) return warn("disk", `only ${what}`, fix);
  return ok("disk", what);
}

/** Reads the free space where the home is (or would be created). */
export function checkDisk(home: string): CheckResult {
  let dir = home;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    return judgeDisk(home, statfsSync(dir));
  } catch (err) {
    return warn(
      "disk",
      `cannot read the free space of ${dir}: ${(err as Error).message}`,
      "check the disk by hand (df -h)",
    );
  }
}
