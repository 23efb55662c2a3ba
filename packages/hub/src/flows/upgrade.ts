import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { readManifest, type ServiceRow } from "@parachute/module-kit";
import { HubError } from "../errors.ts";
import { fetchPackage, resolveVersion, restoreProject, snapshotProject } from "../modules/installer.ts";
import { rowFor } from "../modules/module-spec.ts";
import { parsePackageSpec } from "../modules/package-spec.ts";
import { describeSource, type ModuleSource, parseSource } from "../modules/sources.ts";
import type { JournalEntry } from "../operations/journal.ts";
import type { Operation } from "../operations/operation.ts";
import { awaitActive, type Flow, type FlowContext, PACKAGES } from "./flow.ts";

export interface UpgradeRequest {
  short: string;
  /** A version or channel; the row's channel when absent. */
  version?: string;
}

export interface UpgradePlan {
  short: string;
  package: string;
  want: string;
}

interface UpgradeEntry extends JournalEntry {
  kind: "upgrade";
  phase: "backing-up" | "installing" | "starting" | "rolling-back";
  module: string;
  from: ServiceRow;
  package: string;
}

/**
 * Upgrade: stop the module, back up its package and data, install the new version, start it and
 * wait; if it does not become active, put the previous package, data and row back, start that
 * again and say so. The backup of a successful upgrade is kept in `backups/<short>/`.
 */
export const upgradeFlow: Flow<UpgradeRequest, UpgradePlan> = {
  kind: "upgrade",
  journaled: true,

  prepare(ctx, { short, version }) {
    const row = ctx.installed.mustHave(short);
    if (!row.package) {
      throw new HubError(
        "unprocessable",
        "not_upgradable",
        `${short} was installed from a local folder or tarball; install the new version from its path instead`,
      );
    }
    const want = parsePackageSpec(`${row.package}@${version ?? row.channel ?? "latest"}`).want;
    return { module: short, keys: [PACKAGES, short], plan: { short, package: row.package, want } };
  },

  async run(ctx, plan, op) {
    const { short } = plan;
    // The row as it is now: an operation queued before this one may have changed it.
    const row = ctx.installed.mustHave(short);
    const source: ModuleSource = row.source ? parseSource(row.source) : await ctx.defaultSource();
    op.step("resolve", `asking ${describeSource(source)} for ${plan.package}@${plan.want}`);
    const target = await resolveVersion({ name: plan.package, want: plan.want }, source);
    if (target === row.version) {
      op.step("check", `${short} is already at ${target}`);
      return { ...ctx.installed.runner(short).status(), previousVersion: row.version };
    }
    const entry: UpgradeEntry = {
      id: op.id,
      kind: "upgrade",
      phase: "backing-up",
      module: short,
      from: row,
      package: plan.package,
    };
    const advance = (phase: UpgradeEntry["phase"]) => {
      entry.phase = phase;
      ctx.journal.write(entry);
    };
    advance("backing-up");
    await backUp(ctx, row, op);

    advance("installing");
    try {
      return await installNew(ctx, plan, row, target, source, op, () => advance("starting"));
    } catch (failure) {
      const reason = failure instanceof Error ? failure.message : String(failure);
      op.step("rollback", `rolling back to ${short} ${row.version}`);
      advance("rolling-back");
      const after = await rollBack(ctx, entry, op);
      throw new HubError(
        "unprocessable",
        "upgrade_rolled_back",
        `${short} ${target} was rolled back: ${reason}\n${short} ${row.version} is restored with its data, ${after}`,
      );
    }
  },

  async recover(ctx, raw) {
    const entry = raw as UpgradeEntry;
    undoUpgrade(ctx, entry);
    return `rolled back the interrupted upgrade of ${entry.module} to ${entry.from.version}`;
  },
};

/** Stops the module and copies its package, the modules project and its data into the journal folder. */
async function backUp(ctx: FlowContext, row: ServiceRow, op: Operation): Promise<void> {
  const short = row.name;
  const folder = ctx.journal.folder(op.id);
  op.step("stop", `stopping ${short} ${row.version}`);
  await ctx.installed.stop(short);
  op.step("backup", `backing up ${short}'s package and data`);
  try {
    snapshotProject(ctx.modulesDir, folder);
    cpSync(row.installDir, join(folder, "package"), { recursive: true });
    const data = join(ctx.home, short);
    if (existsSync(data)) cpSync(data, join(folder, "data"), { recursive: true });
  } catch (err) {
    // Nothing has changed yet: drop the partial copy and put the module back as it was.
    ctx.journal.close(op.id);
    if (row.enabled !== false) ctx.installed.start(short);
    const full = (err as NodeJS.ErrnoException).code === "ENOSPC";
    throw new HubError(
      full ? "storage_full" : "failed",
      "backup_failed",
      `could not back up ${short} before upgrading, so nothing was changed: ${(err as Error).message}`,
    );
  }
}

/** Fetches, registers and starts the new version; throws when it is not active in time. */
async function installNew(
  ctx: FlowContext,
  plan: UpgradePlan,
  row: ServiceRow,
  target: string,
  source: ModuleSource,
  op: Operation,
  starting: () => void,
) {
  const { short } = plan;
  op.step("fetch", `fetching ${plan.package}@${target}`);
  const pkg = await fetchPackage(ctx.modulesDir, { name: plan.package, want: target }, source, {
    ...ctx.packages,
    log: (l) => op.log(l),
  });
  if (pkg.manifest.name !== short)
    throw new HubError(
      "unprocessable",
      "invalid_package",
      `${plan.package}@${pkg.version} declares module "${pkg.manifest.name}", not "${short}"`,
    );
  ctx.installed.checkFree(pkg.manifest, short);
  op.step("check", `${short} ${pkg.version}: manifest is valid`);
  const channel = /^\d/.test(plan.want) ? (row.channel ?? "latest") : plan.want;
  const next: ServiceRow = {
    ...rowFor(pkg.manifest, pkg.version, pkg.dir, row.port),
    package: plan.package,
    channel,
    enabled: row.enabled ?? true,
  };
  if (row.source) next.source = row.source;
  starting();
  const runner = ctx.installed.attach(next, pkg.manifest);
  op.step("start", `starting ${short} ${pkg.version}`);
  ctx.installed.start(short);
  const status = await awaitActive(runner, op);
  if (row.enabled === false) await ctx.installed.stop(short);
  keepBackup(ctx, short, row.version, ctx.journal.folder(op.id));
  ctx.journal.close(op.id);
  return { ...status, previousVersion: row.version };
}

/** Puts the previous version back and starts it if it was running; says how that went. */
async function rollBack(ctx: FlowContext, entry: UpgradeEntry, op: Operation): Promise<string> {
  const row = entry.from;
  await ctx.installed.detach(row.name, true);
  undoUpgrade(ctx, entry);
  const manifest = await readManifest(row.installDir);
  const runner = ctx.installed.attach(row, manifest);
  let after = "stopped, as it was";
  if (row.enabled !== false) {
    ctx.installed.start(row.name);
    after = await awaitActive(runner, op)
      .then(() => "active")
      .catch((e: Error) => `not active either (${e.message.split("\n")[0]})`);
  }
  ctx.journal.close(op.id);
  return after;
}

/**
 * Puts a module's previous package, modules project and data back from the operation's backup, and
 * its row. Used when an upgrade fails, and by the boot after a crash in the middle of one.
 */
function undoUpgrade(ctx: FlowContext, entry: UpgradeEntry): void {
  const folder = ctx.journal.folder(entry.id);
  const row = entry.from;
  if (entry.phase !== "backing-up") {
    restoreProject(ctx.modulesDir, folder);
    if (existsSync(join(folder, "package"))) {
      rmSync(row.installDir, { recursive: true, force: true });
      cpSync(join(folder, "package"), row.installDir, { recursive: true });
    }
    const data = join(ctx.home, entry.module);
    if (existsSync(join(folder, "data"))) {
      rmSync(data, { recursive: true, force: true });
      cpSync(join(folder, "data"), data, { recursive: true });
    }
  }
  ctx.installed.restoreRow(row);
}

/** Keeps the last successful upgrade's backup as `backups/<short>/<version>`, dropping older ones. */
function keepBackup(ctx: FlowContext, short: string, version: string, folder: string): void {
  const dir = join(ctx.home, "backups", short);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const old of readdirSync(dir)) rmSync(join(dir, old), { recursive: true, force: true });
  rmSync(join(folder, "journal.json"), { force: true });
  renameSync(folder, join(dir, version));
}
