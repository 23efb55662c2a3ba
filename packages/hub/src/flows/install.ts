import { existsSync, rmSync } from "node:fs";
import type { Manifest, ServiceRow } from "@parachute/module-kit";
import { HubError } from "../errors.ts";
import { CATALOG } from "../modules/catalog.ts";
import {
  checkVersion,
  fetchPackage,
  packageDir,
  resolveVersion,
  restoreProject,
  snapshotProject,
} from "../modules/installer.ts";
import { openLocalPackage } from "../modules/local-package.ts";
import { rowFor } from "../modules/module-spec.ts";
import { installTarget, type PackageSpec } from "../modules/package-spec.ts";
import { assignPort, portMode } from "../modules/ports.ts";
import { describeSource, type ModuleSource, offeredModules, parseSource } from "../modules/sources.ts";
import type { JournalEntry } from "../operations/journal.ts";
import type { Operation } from "../operations/operation.ts";
import { awaitActive, type Flow, type FlowContext, PACKAGES } from "./flow.ts";

/** What to install: a local folder or tarball, a catalog short name, or a registry package spec. */
export interface InstallRequest {
  path?: string;
  short?: string;
  spec?: string;
  source?: string;
}

/** A checked install request: what the operation will fetch. */
export type InstallPlan =
  | { kind: "local"; path: string }
  | { kind: "package"; target: PackageSpec & { short?: string }; source?: string };

interface InstallEntry extends JournalEntry {
  kind: "install";
  phase: "fetching";
  /** The package folder the install creates, once known. */
  dir?: string;
  /** Whether that folder was there before (then it is not the install's to remove). */
  existed?: boolean;
}

interface Obtained {
  dir: string;
  manifest: Manifest;
  version: string;
  /** What the row remembers for upgrades: package, source and channel, or the local path. */
  origin: Pick<ServiceRow, "package" | "source" | "channel" | "path">;
}

/**
 * Install: snapshot the modules project and write the journal, get the package, check it, assign a
 * port, write the row, start the module and wait for it. Any failure puts `modules/` and the
 * registry back as they were.
 */
export const installFlow: Flow<InstallRequest, InstallPlan> = {
  kind: "install",
  journaled: true,

  async prepare(ctx, req) {
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
      const plan: InstallPlan = { kind: "local", path: req.path };
      refuseInstalled(ctx, plan);
      return { module: `path:${req.path}`, keys: [PACKAGES, `path:${req.path}`], plan };
    }
    const target = installTarget(req);
    const source = req.source !== undefined ? parseSource(req.source) : await ctx.defaultSource();
    const short = target.short ?? CATALOG.find((e) => e.package === target.name)?.short;
    const plan: InstallPlan = { kind: "package", target, source: req.source };
    refuseInstalled(ctx, plan);
    // Asked now, so a module the source does not have is refused before anything is queued.
    await resolveVersion(target, source).catch((err) => {
      if (!(err instanceof HubError) || err.code !== "not_in_source") throw err;
      const offered = short ? offeredModules(source) : null;
      const what = short ? `the module ${short}` : target.name;
      throw new HubError(
        "unprocessable",
        "not_in_source",
        `${describeSource(source)} does not offer ${what}${target.want === "latest" ? "" : ` at ${target.want}`}${
          offered ? `; it offers ${offered.length ? offered.join(", ") : "no modules"}` : ""
        }`,
      );
    });
    const key = short ?? target.name;
    return { module: key, keys: [PACKAGES, key], plan };
  },

  async run(ctx, plan, op) {
    refuseInstalled(ctx, plan);
    const snapshot = ctx.journal.folder(op.id);
    snapshotProject(ctx.modulesDir, snapshot);
    const entry: InstallEntry = { id: op.id, kind: "install", phase: "fetching" };
    ctx.journal.write(entry);
    let undo = () => {};
    try {
      const pkg = await obtain(ctx, plan, op, entry, (fn) => {
        undo = fn;
      });
      return await register(ctx, plan, pkg, op);
    } catch (err) {
      op.step("rollback", "putting modules/ back as it was");
      restoreProject(ctx.modulesDir, snapshot);
      undo();
      ctx.journal.close(op.id);
      throw err;
    }
  },

  /** An install whose row was written is finished (the module starts with the rest); else undone. */
  async recover(ctx, raw) {
    const entry = raw as InstallEntry;
    const row = entry.dir ? ctx.installed.rows().find((r) => r.installDir === entry.dir) : undefined;
    if (row) return `finished the interrupted install of ${row.name} ${row.version}`;
    restoreProject(ctx.modulesDir, ctx.journal.folder(entry.id));
    if (entry.dir && !entry.existed) rmSync(entry.dir, { recursive: true, force: true });
    return `undid an interrupted install${entry.dir ? ` of ${entry.dir}` : ""}`;
  },
};

/** Checks the package, gives it a port and a row, starts it and waits; undoes the row if it fails. */
async function register(ctx: FlowContext, plan: InstallPlan, pkg: Obtained, op: Operation) {
  const m = pkg.manifest;
  checkVersion(m.name, pkg.version);
  op.step("check", `${m.name} ${pkg.version}: manifest is valid`);
  if (plan.kind === "package" && plan.target.short && m.name !== plan.target.short) {
    throw new HubError(
      "unprocessable",
      "invalid_package",
      `${plan.target.name} declares module "${m.name}", not "${plan.target.short}"`,
    );
  }
  ctx.installed.checkFree(m);
  const taken = new Set(ctx.installed.rows().map((r) => r.port));
  taken.add(ctx.hubPort());
  const port = await assignPort(m.port, taken, ctx.isPortFree, portMode(ctx.hubEnv));
  const row = { ...rowFor(m, pkg.version, pkg.dir, port), ...pkg.origin };
  op.step("register", `${m.name} gets port ${port}`);
  const runner = ctx.installed.attach(row, m, true);
  op.step("start", `starting ${m.name}`);
  ctx.installed.start(m.name);
  try {
    const status = await awaitActive(runner, op);
    ctx.journal.close(op.id);
    return status;
  } catch (err) {
    await ctx.installed.detach(m.name);
    throw err;
  } finally {
    ctx.installed.settled(m.name);
  }
}

/**
 * Refuses an install of something already installed — the same catalog module, registry package or
 * folder — before anything runs: the package manager would otherwise replace the installed files.
 * Checked when the request arrives and again when its turn comes.
 */
function refuseInstalled(ctx: FlowContext, plan: InstallPlan): void {
  const rows = ctx.installed.rows();
  const clash =
    plan.kind === "local"
      ? rows.find((r) => r.installDir === plan.path)
      : rows.find(
          (r) =>
            r.name === plan.target.short ||
            r.package === plan.target.name ||
            r.installDir === packageDir(ctx.modulesDir, plan.target.name),
        );
  if (!clash) return;
  const from = clash.path ?? clash.source ?? (clash.package ? "the hub's default source" : clash.installDir);
  const advice =
    plan.kind === "local" || clash.path
      ? `to load a new version from its path, run \`parachute upgrade ${clash.name}\``
      : `to change its version or channel, run \`parachute upgrade ${clash.name} --version <version|channel>\``;
  throw new HubError(
    "conflict",
    "already_installed",
    `${clash.name} ${clash.version} is already installed (from ${from}); ${advice}`,
  );
}

/** Gets the package onto the disk; `onUndo` learns how to remove it as soon as that is known. */
async function obtain(
  ctx: FlowContext,
  plan: InstallPlan,
  op: Operation,
  entry: InstallEntry,
  onUndo: (fn: () => void) => void,
): Promise<Obtained> {
  if (plan.kind === "local") {
    op.step("fetch", `opening ${plan.path}`);
    const local = await openLocalPackage(plan.path, ctx.modulesDir);
    onUndo(local.discard);
    ctx.journal.write({ ...entry, dir: local.dir, existed: local.dir === plan.path });
    return { ...local, origin: { path: plan.path } };
  }
  const { target } = plan;
  const source: ModuleSource =
    plan.source !== undefined ? parseSource(plan.source) : await ctx.defaultSource();
  // No row points at this folder (refuseInstalled): whatever is there is this install's to undo.
  const dir = packageDir(ctx.modulesDir, target.name);
  onUndo(() => rmSync(dir, { recursive: true, force: true }));
  ctx.journal.write({ ...entry, dir, existed: false });
  op.step("fetch", `fetching ${target.name}@${target.want} from ${describeSource(source)}`);
  const fetched = await fetchPackage(ctx.modulesDir, target, source, {
    ...ctx.packages,
    log: (line) => op.log(line),
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
