import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { readManifest, type ServiceRow } from "@parachute/module-kit";
import { HubError } from "../errors.ts";
import type { Hub } from "../hub.ts";
import type { JournalEntry } from "../operations/journal.ts";
import type { Operation } from "../operations/operation.ts";
import { describeSource } from "./install-flow.ts";
import {
  fetchPackage,
  type ModuleSource,
  parseSource,
  resolveVersion,
  restoreProject,
  snapshotProject,
} from "./installer.ts";
import { rowFor } from "./module-spec.ts";
import { parsePackageSpec } from "./package-spec.ts";

export interface UpgradePlan {
  short: string;
  package: string;
  /** The version or channel asked for; the row's channel when none was. */
  want: string;
}

type UpgradeEntry = Extract<JournalEntry, { kind: "upgrade" }>;

/** Checks an upgrade request before it is queued. */
export function prepareUpgrade(hub: Hub, short: string, version?: string): UpgradePlan {
  const row = hub.mustHave(short);
  if (!row.package) {
    throw new HubError(
      "unprocessable",
      "not_upgradable",
      `${short} was installed from a local folder or tarball; install the new version from its path instead`,
    );
  }
  const want = parsePackageSpec(`${row.package}@${version ?? row.channel ?? "latest"}`).want;
  return { short, package: row.package, want };
}

/**
 * The upgrade operation: stop the module, back up its package and data, install the new version,
 * start it and wait; if it does not become active, put the previous package, data and row back, start
 * that again and say so. The backup of a successful upgrade is kept in `backups/<short>/`.
 */
export async function runUpgrade(hub: Hub, plan: UpgradePlan, op: Operation) {
  const { short } = plan;
  // The row as it is now: an operation queued before this one may have changed it.
  const row = hub.mustHave(short);
  const source: ModuleSource = row.source ? parseSource(row.source) : await hub.deps.defaultSource();
  op.step("resolve", `asking ${describeSource(source)} for ${plan.package}@${plan.want}`);
  const target = await resolveVersion({ name: plan.package, want: plan.want }, source);
  if (target === row.version) {
    op.step("check", `${short} is already at ${target}`);
    return { ...hub.deps.supervisor.get(short)!.status(), previousVersion: row.version };
  }
  const folder = hub.journal.folder(op.id);
  const entry: UpgradeEntry = {
    id: op.id,
    kind: "upgrade",
    phase: "backing-up",
    module: short,
    from: row,
    package: plan.package,
  };
  hub.journal.write(entry);
  const advance = (phase: UpgradeEntry["phase"]) => {
    entry.phase = phase;
    hub.journal.write(entry);
  };
  const wasEnabled = row.enabled !== false;

  op.step("stop", `stopping ${short} ${row.version}`);
  await hub.deps.supervisor.stop(short);
  op.step("backup", `backing up ${short}'s package and data`);
  try {
    snapshotProject(hub.modulesDir, folder);
    cpSync(row.installDir, join(folder, "package"), { recursive: true });
    const data = join(hub.deps.spec.home, short);
    if (existsSync(data)) cpSync(data, join(folder, "data"), { recursive: true });
  } catch (err) {
    // Nothing has changed yet: drop the partial copy and put the module back as it was.
    hub.journal.close(op.id);
    if (wasEnabled) hub.deps.supervisor.start(short);
    const full = (err as NodeJS.ErrnoException).code === "ENOSPC";
    throw new HubError(
      full ? "storage_full" : "failed",
      "backup_failed",
      `could not back up ${short} before upgrading, so nothing was changed: ${(err as Error).message}`,
    );
  }

  advance("installing");
  let failure: unknown;
  try {
    op.step("fetch", `fetching ${plan.package}@${target}`);
    const pkg = await fetchPackage(hub.modulesDir, { name: plan.package, want: target }, source, {
      log: (l) => op.log(l),
      guard: hub.deps.guard,
    });
    if (pkg.manifest.name !== short)
      throw new HubError(
        "unprocessable",
        "invalid_package",
        `${plan.package}@${pkg.version} declares module "${pkg.manifest.name}", not "${short}"`,
      );
    hub.checkFree(pkg.manifest, short);
    op.step("check", `${short} ${pkg.version}: manifest is valid`);
    const channel = /^\d/.test(plan.want) ? (row.channel ?? "latest") : plan.want;
    const next: ServiceRow = {
      ...rowFor(pkg.manifest, pkg.version, pkg.dir, row.port),
      package: plan.package,
      channel,
      enabled: row.enabled ?? true,
    };
    if (row.source) next.source = row.source;
    advance("starting");
    const runner = hub.attach(next, pkg.manifest);
    op.step("start", `starting ${short} ${pkg.version}`);
    hub.deps.supervisor.start(short);
    const status = await hub.awaitActive(runner, (pkg.manifest.startTimeoutMs ?? 15_000) + 2_000, op, null);
    if (!wasEnabled) await hub.deps.supervisor.stop(short);
    keepBackup(hub, short, row.version, folder);
    hub.journal.close(op.id);
    return { ...status, previousVersion: row.version };
  } catch (err) {
    failure = err;
  }

  const reason = failure instanceof Error ? failure.message : String(failure);
  op.step("rollback", `rolling back to ${short} ${row.version}`);
  advance("rolling-back");
  await hub.detach(short, true);
  undoUpgrade(hub, entry);
  const manifest = await readManifest(row.installDir);
  const runner = hub.attach(row, manifest);
  let after = "stopped, as it was";
  if (wasEnabled) {
    hub.deps.supervisor.start(short);
    after = await hub
      .awaitActive(runner, (manifest.startTimeoutMs ?? 15_000) + 2_000, op, null)
      .then(() => "active")
      .catch((e: Error) => `not active either (${e.message.split("\n")[0]})`);
  }
  hub.journal.close(op.id);
  throw new HubError(
    "unprocessable",
    "upgrade_rolled_back",
    `${short} ${target} was rolled back: ${reason}\n${short} ${row.version} is restored with its data, ${after}`,
  );
}

/**
 * Puts a module's previous package, modules project and data back from the operation's backup, and
 * its row. Used when an upgrade fails, and by the boot after a crash in the middle of one.
 */
export function undoUpgrade(hub: Hub, entry: UpgradeEntry): void {
  const folder = join(hub.journal.dir, entry.id);
  const row = entry.from;
  if (entry.phase !== "backing-up") {
    restoreProject(hub.modulesDir, folder);
    if (existsSync(join(folder, "package"))) {
      rmSync(row.installDir, { recursive: true, force: true });
      cpSync(join(folder, "package"), row.installDir, { recursive: true });
    }
    const data = join(hub.deps.spec.home, entry.module);
    if (existsSync(join(folder, "data"))) {
      rmSync(data, { recursive: true, force: true });
      cpSync(join(folder, "data"), data, { recursive: true });
    }
  }
  hub.deps.registry.put(row);
}

/** Keeps the last successful upgrade's backup as `backups/<short>/<version>`, dropping older ones. */
function keepBackup(hub: Hub, short: string, version: string, folder: string): void {
  const dir = join(hub.deps.spec.home, "backups", short);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const old of readdirSync(dir)) rmSync(join(dir, old), { recursive: true, force: true });
  rmSync(join(folder, "journal.json"), { force: true });
  renameSync(folder, join(dir, version));
}
