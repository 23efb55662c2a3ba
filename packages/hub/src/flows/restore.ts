import { randomBytes } from "node:crypto";
import { existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { extractBackup } from "../backup/read-backup.ts";
import { HubError } from "../errors.ts";
import { HUB_VERSION } from "../version.ts";
import { type Flow, PACKAGES } from "./flow.ts";

/** Where an uploaded backup waits for the restart that applies it (serve.ts, before anything opens). */
export const PENDING_RESTORE = ".restore-pending.tar.gz";

const alreadyPending = () =>
  new HubError("conflict", "restore_pending", "a restore is already waiting for the hub to restart");

/**
 * Restore from the admin app: the uploaded archive is proven whole before anything is queued (a
 * damaged one is refused, nothing changed), then put where the next start finds it, and the hub
 * restarts: with every module and hub.db closed, the home is replaced (what it held kept aside).
 */
export const restoreFlow: Flow<{ upload: string }, { upload: string }> = {
  kind: "restore",
  journaled: false,

  async prepare(ctx, { upload }) {
    if (existsSync(join(ctx.home, PENDING_RESTORE))) {
      rmSync(upload, { force: true });
      throw alreadyPending();
    }
    if (!ctx.restartHub) {
      rmSync(upload, { force: true });
      throw new HubError(
        "conflict",
        "restart_required",
        "this hub was not started by `parachute serve` and cannot restart itself; stop it and run `parachute restore <file>`",
      );
    }
    const staging = join(ctx.home, `.restore-check-${randomBytes(6).toString("hex")}`);
    try {
      await extractBackup(upload, staging, HUB_VERSION);
    } catch (err) {
      rmSync(upload, { force: true });
      throw err;
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    return { module: "hub", keys: [PACKAGES, "*hub", "*backup"], plan: { upload } };
  },

  async run(ctx, { upload }, op) {
    // Two uploads checked side by side: the first one queued is the one restored.
    if (existsSync(join(ctx.home, PENDING_RESTORE))) {
      rmSync(upload, { force: true });
      throw alreadyPending();
    }
    renameSync(upload, join(ctx.home, PENDING_RESTORE));
    op.step("restart", "restarting the hub to restore the backup");
    setTimeout(async () => {
      await op.drained(2_000);
      ctx.restartHub?.();
    }, 0);
    return { message: "the backup is whole; the hub restarts now and comes back with its contents" };
  },
};
