import { existsSync, rmSync } from "node:fs";
import type { Manifest, ServiceRow } from "@parachute/module-kit";
import { HubError } from "../errors.ts";
import type { Hub } from "../hub.ts";
import type { Operation } from "../operations/operation.ts";
import { CATALOG } from "./catalog.ts";
import {
  fetchPackage,
  type ModuleSource,
  packageDir,
  parseSource,
  restoreProject,
  snapshotProject,
} from "./installer.ts";
import { openLocalPackage } from "./local-package.ts";
import { rowFor } from "./module-spec.ts";
import { installTarget, type PackageSpec } from "./package-spec.ts";
import { assignPort } from "./ports.ts";

/** What to install: a local folder or tarball, a catalog short name, or a registry package spec. */
export interface InstallRequest {
  path?: string;
  short?: string;
  spec?: string;
  source?: string;
}

/** A checked install request: what the operation will fetch, and the lock key it runs under. */
export type InstallPlan =
  | { kind: "local"; key: string; path: string }
  | { kind: "package"; key: string; target: PackageSpec & { short?: string }; source?: string };

/** Checks a request before an operation is queued, so bad input is answered at once (400/422/409). */
export function prepareInstall(hub: Hub, req: InstallRequest): InstallPlan {
  if (req.path !== undefined) {
    if (req.short !== undefined || req.spec !== undefined || req.source !== undefined) {
      throw new HubError(
        "invalid",
        "invalid_body",
        '"path" installs a local package; it takes no "short", "spec" or "source"',
      );
    }
    if (!req.path.startsWith("/") || req.path.split("/").includes("..") || req.path.includes("\0"))
      throw new HubError("invalid", "bad_path", "the package path must be absolute, without .. segments");
    if (!existsSync(req.path)) throw new HubError("invalid", "bad_path", `${req.path} does not exist`);
    const plan: InstallPlan = { kind: "local", key: `path:${req.path}`, path: req.path };
    refuseInstalled(hub, plan);
    return plan;
  }
  const target = installTarget(req);
  if (req.source !== undefined) parseSource(req.source);
  const short = target.short ?? CATALOG.find((e) => e.package === target.name)?.short;
  const plan: InstallPlan = { kind: "package", key: short ?? target.name, target, source: req.source };
  refuseInstalled(hub, plan);
  return plan;
}

/**
 * Refuses an install of something already installed — the same catalog module, registry package or
 * folder — before anything runs: the package manager would otherwise replace the installed files.
 * Checked when the request arrives and again when its turn comes.
 */
function refuseInstalled(hub: Hub, plan: InstallPlan): void {
  const rows = hub.deps.registry.rows();
  const clash =
    plan.kind === "local"
      ? rows.find((r) => r.installDir === plan.path)
      : rows.find(
          (r) =>
            r.name === plan.target.short ||
            r.package === plan.target.name ||
            r.installDir === packageDir(hub.modulesDir, plan.target.name),
        );
  if (clash) {
    throw new HubError(
      "conflict",
      "already_installed",
      `${clash.name} is already installed from there; use upgrade to change its version`,
    );
  }
}

interface Obtained {
  dir: string;
  manifest: Manifest;
  version: string;
  /** What the row remembers for upgrades: package, source and channel. */
  origin: Pick<ServiceRow, "package" | "source" | "channel">;
}

/**
 * The install operation: snapshot the modules project and write the journal, get the package, check
 * it, assign a port, write the row, start the module and wait for it. Any failure puts `modules/`
 * and the registry back as they were.
 */
export async function runInstall(hub: Hub, plan: InstallPlan, op: Operation) {
  refuseInstalled(hub, plan);
  const snapshot = hub.journal.folder(op.id);
  snapshotProject(hub.modulesDir, snapshot);
  hub.journal.write({ id: op.id, kind: "install", phase: "fetching" });
  let undo = () => {};
  try {
    const pkg = await obtain(hub, plan, op, (fn) => {
      undo = fn;
    });
    const m = pkg.manifest;
    op.step("check", `${m.name} ${pkg.version}: manifest is valid`);
    if (plan.kind === "package" && plan.target.short && m.name !== plan.target.short) {
      throw new HubError(
        "unprocessable",
        "invalid_package",
        `${plan.target.name} declares module "${m.name}", not "${plan.target.short}"`,
      );
    }
    hub.checkFree(m);
    const taken = new Set(hub.deps.registry.rows().map((r) => r.port));
    taken.add(hub.deps.hubPort());
    const port = await assignPort(m.port, taken, hub.deps.isPortFree);
    const row = { ...rowFor(m, pkg.version, pkg.dir, port), ...pkg.origin };
    op.step("register", `${m.name} gets port ${port}`);
    const runner = hub.attach(row, m);
    hub.installing.add(m.name);
    op.step("start", `starting ${m.name}`);
    hub.deps.supervisor.start(m.name);
    try {
      const status = await hub.awaitActive(runner, (m.startTimeoutMs ?? 15_000) + 2_000, op, null);
      hub.journal.close(op.id);
      return status;
    } catch (err) {
      await hub.detach(m.name);
      throw err;
    } finally {
      hub.installing.delete(m.name);
    }
  } catch (err) {
    op.step("rollback", "putting modules/ back as it was");
    restoreProject(hub.modulesDir, snapshot);
    undo();
    hub.journal.close(op.id);
    throw err;
  }
}

/** Gets the package onto the disk; `onUndo` learns how to remove it as soon as that is known. */
async function obtain(
  hub: Hub,
  plan: InstallPlan,
  op: Operation,
  onUndo: (fn: () => void) => void,
): Promise<Obtained> {
  if (plan.kind === "local") {
    op.step("fetch", `opening ${plan.path}`);
    const local = await openLocalPackage(plan.path, hub.modulesDir);
    onUndo(local.discard);
    hub.journal.write({
      id: op.id,
      kind: "install",
      phase: "fetching",
      dir: local.dir,
      existed: local.dir === plan.path,
    });
    return { ...local, origin: {} };
  }
  const { target } = plan;
  const source: ModuleSource =
    plan.source !== undefined ? parseSource(plan.source) : await hub.deps.defaultSource();
  // No row points at this folder (refuseInstalled): whatever is there is this install's to undo.
  const dir = packageDir(hub.modulesDir, target.name);
  onUndo(() => rmSync(dir, { recursive: true, force: true }));
  hub.journal.write({ id: op.id, kind: "install", phase: "fetching", dir, existed: false });
  op.step("fetch", `fetching ${target.name}@${target.want} from ${describeSource(source)}`);
  const fetched = await fetchPackage(hub.modulesDir, target, source, {
    log: (line) => op.log(line),
    guard: hub.deps.guard,
  });
  return {
    ...fetched,
    origin: {
      package: target.name,
      ...(plan.source !== undefined ? { source: plan.source } : {}),
      channel: /^\d/.test(target.want) ? "latest" : target.want,
    },
  };
}

export function describeSource(source: ModuleSource): string {
  return source.kind === "registry" ? source.url : source.dir;
}
