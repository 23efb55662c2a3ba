import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type Manifest, readManifest, type ServiceRow } from "@parachute/module-kit";
import { HubError } from "../errors.ts";
import {
  checkVersion,
  fetchPackage,
  resolveVersion,
  restoreProject,
  snapshotProject,
} from "../modules/installer.ts";
import { openLocalPackage } from "../modules/local-package.ts";
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

/** Where the new version comes from: the registry package's version or channel, or the local path. */
export type UpgradePlan =
  | { short: string; from: "registry"; package: string; want: string }
  | { short: string; from: "path"; path: string };

interface UpgradeEntry extends JournalEntry {
  kind: "upgrade";
  phase: "backing-up" | "installing" | "starting" | "rolling-back";
  module: string;
  from: ServiceRow;
  /** The module runs from the operator's own folder: an undo never writes into it. */
  inPlace?: boolean;
}

/** A new version on disk, ready to be registered. */
interface NewVersion {
  dir: string;
  manifest: Manifest;
  version: string;
}

/**
 * Upgrade: stop the module, back up its package and data, install the new version, start it and
 * wait; if it does not become active, put the previous package, data and row back, start that
 * again and say so. The backup of a successful upgrade is kept in `backups/<short>/`.
 */
export const upgradeFlow: Flow<UpgradeRequest, UpgradePlan> = {
  kind: "upgrade",
  journaled: true,

  async prepare(ctx, { short, version }) {
    const row = ctx.installed.mustHave(short);
    const keys = [PACKAGES, short];
    if (row.path) {
      if (version !== undefined)
        throw new HubError(
          "invalid",
          "invalid_body",
          `${short} is upgraded from ${row.path}: it takes no version`,
        );
      if (!existsSync(row.path))
        throw new HubError("unprocessable", "path_gone", `${row.path} no longer exists`);
      return { module: short, keys, plan: { short, from: "path", path: row.path } };
    }
    if (!row.package) {
      throw new HubError(
        "unprocessable",
        "not_upgradable",
        `${short} was installed from a local path this hub did not record; uninstall it and install it again from its path`,
      );
    }
    const want = parsePackageSpec(`${row.package}@${version ?? row.channel ?? "latest"}`).want;
    const source = row.source ? parseSource(row.source) : await ctx.defaultSource();
    // Asked now, so an unknown version is refused before anything is queued.
    await resolveVersion({ name: row.package, want }, source);
    return { module: short, keys, plan: { short, from: "registry", package: row.package, want } };
  },

  async run(ctx, plan, op) {
    const { short } = plan;
    // The row as it is now: an operation queued before this one may have changed it.
    const row = ctx.installed.mustHave(short);
    let fetchNew: () => Promise<NewVersion>;
    let target: string;
    const inPlace = plan.from === "path" && row.installDir === plan.path;
    if (plan.from === "registry") {
      const source: ModuleSource = row.source ? parseSource(row.source) : await ctx.defaultSource();
      op.step("resolve", `asking ${describeSource(source)} for ${plan.package}@${plan.want}`);
      target = await resolveVersion({ name: plan.package, want: plan.want }, source);
      if (target === row.version) {
        op.step("check", `${short} is already at ${target}`);
        return { ...ctx.installed.runner(short).status(), previousVersion: row.version };
      }
      fetchNew = () => {
        op.step("fetch", `fetching ${plan.package}@${target}`);
        return fetchPackage(ctx.modulesDir, { name: plan.package, want: target }, source, {
          ...ctx.packages,
          log: (l) => op.log(l),
        });
      };
    } else {
      target = "the new version";
      fetchNew = async () => {
        op.step("fetch", `reading ${plan.path}`);
        // A tarball is unpacked afresh where the old one was; a folder is used where it is.
        if (!inPlace) rmSync(row.installDir, { recursive: true, force: true });
        return openLocalPackage(plan.path, ctx.modulesDir);
      };
    }
    const entry: UpgradeEntry = {
      id: op.id,
      kind: "upgrade",
      phase: "backing-up",
      module: short,
      from: row,
      inPlace,
    };
    const advance = (phase: UpgradeEntry["phase"]) => {
      entry.phase = phase;
      ctx.journal.write(entry);
    };
    advance("backing-up");
    await backUp(ctx, row, op);

    advance("installing");
    try {
      const pkg = await fetchNew();
      target = pkg.version;
      return await startNew(ctx, plan, row, pkg, op, () => advance("starting"));
    } catch (failure) {
      const reason = failure instanceof Error ? failure.message : String(failure);
      op.step("rollback", `rolling back to ${short} ${row.version}`);
      advance("rolling-back");
      const after = await rollBack(ctx, entry, op);
      const restored = inPlace
        ? "its data is restored (its folder is yours: left as it is)"
        : "restored with its data";
      throw new HubError(
        "unprocessable",
        "upgrade_rolled_back",
        `${short} ${target} was rolled back: ${reason}\n${short} ${row.version} is ${restored}, ${after}`,
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

/** Checks, registers and starts the new version; throws when it is not active in time. */
async function startNew(
  ctx: FlowContext,
  plan: UpgradePlan,
  row: ServiceRow,
  pkg: NewVersion,
  op: Operation,
  starting: () => void,
) {
  const { short } = plan;
  if (pkg.manifest.name !== short)
    throw new HubError(
      "unprocessable",
      "invalid_package",
      `${pkg.dir} (${pkg.version}) declares module "${pkg.manifest.name}", not "${short}"`,
    );
  ctx.installed.checkFree(pkg.manifest, short);
  checkVersion(short, pkg.version);
  op.step("check", `${short} ${pkg.version}: manifest is valid`);
  const next: ServiceRow = {
    ...rowFor(pkg.manifest, pkg.version, pkg.dir, row.port),
    enabled: row.enabled ?? true,
  };
  if (plan.from === "registry") {
    next.package = plan.package;
    next.channel = /^\d/.test(plan.want) ? (row.channel ?? "latest") : plan.want;
    if (row.source) next.source = row.source;
  } else next.path = plan.path;
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
    if (!entry.inPlace && existsSync(join(folder, "package"))) {
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
