import { join } from "node:path";
import { type Manifest, readManifest, type ServiceRow } from "@parachute/module-kit";
import type { OperationKind } from "./api-types.ts";
import { HubError } from "./errors.ts";
import { globToRegExp } from "./identity/proxy-gate.ts";
import { type InstallRequest, prepareInstall, runInstall } from "./modules/install-flow.ts";
import type { ModuleSource, RunOptions } from "./modules/installer.ts";
import { moduleSpec, type SpecContext } from "./modules/module-spec.ts";
import { parsePackageSpec } from "./modules/package-spec.ts";
import type { Registry } from "./modules/registry.ts";
import { runUninstall } from "./modules/uninstall-flow.ts";
import { prepareUpgrade, runUpgrade } from "./modules/upgrade-flow.ts";
import { Journal } from "./operations/journal.ts";
import type { Operation, Progress } from "./operations/operation.ts";
import { Operations } from "./operations/operations.ts";
import { recoverOperations } from "./operations/recover.ts";
import { HUB_PACKAGE, installHub } from "./platform/hub-upgrade.ts";
import { selfUpgradeBlocker } from "./platform/hub-versions.ts";
import type { Route } from "./proxy/route-table.ts";
import { RouteTable } from "./proxy/route-table.ts";
import { initialState } from "./supervisor/machine.ts";
import type { ModuleRunner, ModuleStatus } from "./supervisor/module-runner.ts";
import type { Supervisor } from "./supervisor/supervisor.ts";
import { HUB_VERSION } from "./version.ts";

export type { InstallRequest } from "./modules/install-flow.ts";

export interface HubDeps {
  registry: Registry;
  supervisor: Supervisor;
  spec: SpecContext;
  hubPort: () => number;
  isPortFree: (port: number) => Promise<boolean>;
  /** Where catalog modules and package specs come from unless a request names a source. */
  defaultSource: () => Promise<ModuleSource>;
  /** The orphan guard, which also watches package-manager runs. */
  guard?: RunOptions["guard"];
  /** Asks `parachute serve` to stop this hub and start the installed one; absent when nothing can. */
  restartHub?: () => void;
}

/** Every operation that changes the installed set takes this key: one package manager run at a time. */
const PACKAGES = "*packages";

/**
 * The hub's module operations: what the CLI and the API ask for, over the registry (what is
 * installed) and the supervisor (what runs). Changes run as operations in the background, one at a
 * time per module; the methods below check the request and return the operation at once.
 */
export class Hub {
  private table: RouteTable = new RouteTable([]);
  private readonly publicGlobs = new Map<string, RegExp[]>();
  private readonly declaredScopes = new Map<string, string[]>();
  readonly ops = new Operations();
  readonly journal: Journal;
  readonly modulesDir: string;
  /** Modules registered by an install that has not ended yet; the lifecycle verbs wait for it. */
  readonly installing = new Set<string>();
  private blocked: string | null = null;

  constructor(readonly deps: HubDeps) {
    this.journal = new Journal(join(deps.spec.home, "operations"));
    this.modulesDir = join(deps.spec.home, "modules");
  }

  routes(): RouteTable {
    return this.table;
  }

  /** A module's `publicPaths`, compiled; reachable without a login. */
  publicPaths(short: string): RegExp[] {
    return this.publicGlobs.get(short) ?? [];
  }

  /** Every scope the installed modules declare. */
  scopes(): string[] {
    return [...this.declaredScopes.values()].flat();
  }

  /** Finishes or undoes the operations a crash interrupted; returns what it did, for the hub's log. */
  recover(): Promise<string[]> {
    return recoverOperations(this);
  }

  /** Registers every installed module with the supervisor and starts the enabled ones at once. */
  async boot(): Promise<void> {
    const toStart: string[] = [];
    for (const row of this.deps.registry.rows()) {
      try {
        const manifest = await readManifest(row.installDir);
        this.remember(manifest);
        this.deps.supervisor.add(moduleSpec(row, manifest, this.deps.spec));
        if (row.enabled !== false) toStart.push(row.name);
      } catch (err) {
        const runner = this.deps.supervisor.add(moduleSpec(row, brokenManifest(row), this.deps.spec));
        runner.state = { ...initialState(), wanted: true, phase: "failed", reason: (err as Error).message };
      }
    }
    this.rebuildRoutes();
    this.deps.supervisor.bootAll(toStart);
  }

  status(): ModuleStatus[] {
    return this.deps.supervisor.list();
  }

  /** Installs a package (catalog module, package spec, local folder or tarball), starts it, waits for it. */
  install(req: InstallRequest): Operation {
    this.mustNotBeBlocked();
    const plan = prepareInstall(this, req);
    return this.packageOp("install", plan.key, (op) => runInstall(this, plan, op));
  }

  /** Upgrades a registry-installed module, rolling back package and data if the new one is not ready. */
  upgrade(short: string, version?: string): Operation {
    this.mustNotBeBlocked();
    const plan = prepareUpgrade(this, short, version);
    return this.packageOp("upgrade", short, (op) => runUpgrade(this, plan, op));
  }

  /**
   * Installs another hub version into the home and, once the operation has ended, restarts onto
   * it. Refused with 409 "redeploy required" where the hub cannot replace itself.
   */
  upgradeHub(version?: string): Operation {
    const blocker = selfUpgradeBlocker(
      this.deps.spec.hubEnv,
      this.deps.spec.home,
      this.deps.restartHub !== undefined,
    );
    if (blocker) throw new HubError("conflict", "redeploy_required", blocker);
    this.mustNotBeBlocked();
    const want = parsePackageSpec(`${HUB_PACKAGE}@${version ?? "latest"}`).want;
    return this.ops.submit("hub-upgrade", "hub", [PACKAGES, "*hub"], async (op) => {
      const source = await this.deps.defaultSource();
      const installed = await installHub(
        this.deps.spec.home,
        want,
        source,
        op,
        this.deps.spec.hubEnv.PARACHUTE_LAUNCHER_VERSION ?? HUB_VERSION,
        this.deps.guard,
      );
      if (installed === null)
        return { version: HUB_VERSION, message: `hub ${HUB_VERSION} is already running` };
      op.step("restart", `restarting onto hub ${installed}`);
      // Once the operation has ended and its followers have been told, the hub restarts.
      setTimeout(async () => {
        await op.drained(2_000);
        this.deps.restartHub?.();
      }, 0);
      return {
        version: installed,
        previousVersion: HUB_VERSION,
        message: `hub ${installed} is installed; the hub restarts onto it now (${HUB_VERSION} before)`,
      };
    });
  }

  /** Stops a module and removes it and its package; its data stays unless `purge`. */
  uninstall(short: string, purge: boolean): Operation {
    this.mustNotBeBlocked();
    this.mustHave(short);
    return this.packageOp("uninstall", short, (op) => runUninstall(this, short, purge, op));
  }

  /**
   * Queues an operation that changes the installed set. One that ends with its journal still open
   * could not finish or undo itself: further changes are refused until a restart has recovered it.
   */
  private packageOp(
    kind: OperationKind,
    module: string,
    run: (op: Operation) => Promise<unknown>,
  ): Operation {
    return this.ops.submit(kind, module, [PACKAGES, module], async (op) => {
      this.mustNotBeBlocked();
      try {
        return await run(op);
      } catch (err) {
        if (this.journal.isOpen(op.id)) {
          this.blocked = `${kind} of ${module} could not be finished or undone (${(err as Error).message.split("\n")[0]})`;
        }
        throw err;
      }
    });
  }

  private mustNotBeBlocked(): void {
    if (this.blocked) {
      throw new HubError(
        "unavailable",
        "recovery_needed",
        `${this.blocked}; restart the hub (\`parachute serve\`): it recovers at boot, then try again`,
      );
    }
  }

  start(short: string): Operation {
    this.mustBeSettled(short);
    return this.ops.submit("start", short, [short], async (op) => {
      this.mustBeSettled(short);
      op.step("start", `starting ${short}`);
      this.deps.registry.setEnabled(short, true);
      this.deps.supervisor.start(short);
      const runner = this.deps.supervisor.get(short)!;
      return this.awaitActive(runner, runner.spec.policy.startTimeoutMs + 2_000, op, null);
    });
  }

  stop(short: string): Operation {
    this.mustBeSettled(short);
    return this.ops.submit("stop", short, [short], async (op) => {
      this.mustBeSettled(short);
      op.step("stop", `stopping ${short}`);
      this.deps.registry.setEnabled(short, false);
      await this.deps.supervisor.stop(short);
      return this.deps.supervisor.get(short)!.status();
    });
  }

  restart(short: string): Operation {
    this.mustBeSettled(short);
    return this.ops.submit("restart", short, [short], async (op) => {
      this.mustBeSettled(short);
      op.step("restart", `restarting ${short}`);
      this.deps.registry.setEnabled(short, true);
      const runner = this.deps.supervisor.get(short)!;
      const before = runner.state.pid;
      this.deps.supervisor.restart(short);
      const limit = runner.spec.policy.stopGraceMs + runner.spec.policy.startTimeoutMs + 2_000;
      return this.awaitActive(runner, limit, op, before);
    });
  }

  logs(short: string, n: number): string[] {
    this.mustHave(short);
    return this.deps.supervisor.get(short)!.log.last(n);
  }

  follow(short: string, fn: (line: string) => void): () => void {
    this.mustHave(short);
    return this.deps.supervisor.get(short)!.log.follow(fn);
  }

  /** Registers a row and its manifest (registry, routes, supervisor); the module is not started. */
  attach(row: ServiceRow, manifest: Manifest): ModuleRunner {
    this.remember(manifest);
    this.deps.registry.put(row);
    this.rebuildRoutes();
    return this.deps.supervisor.add(moduleSpec(row, manifest, this.deps.spec));
  }

  /** Stops a module and takes it out of the supervisor, routes and (unless `keepRow`) the registry. */
  async detach(short: string, keepRow = false): Promise<void> {
    if (this.deps.supervisor.get(short)) await this.deps.supervisor.remove(short);
    if (!keepRow) this.deps.registry.remove(short);
    this.publicGlobs.delete(short);
    this.declaredScopes.delete(short);
    this.rebuildRoutes();
  }

  /**
   * Waits until the module is active (a new process when `notPid` is given) or failing, passing its
   * log lines on to the operation; a module that is not active by then fails the operation.
   */
  async awaitActive(
    runner: ModuleRunner,
    ms: number,
    progress: Progress,
    notPid: number | null,
  ): Promise<ModuleStatus> {
    const off = runner.log.follow((line) => progress.log(line));
    try {
      const s = await runner
        .until(
          (s) => (s.state === "active" && (notPid === null || s.pid !== notPid)) || s.state === "failing",
          ms,
        )
        .catch(() => runner.status());
      if (s.state !== "active") {
        const tail = runner.log.last(20).join("\n");
        throw new HubError(
          "unprocessable",
          "module_not_ready",
          `${runner.spec.short} did not become active: ${s.reason ?? s.state}${tail ? `\n${tail}` : ""}`,
        );
      }
      progress.step("active", `${s.short} ${s.version} is active on port ${s.port}`);
      return s;
    } finally {
      off();
    }
  }

  /** Like mustHave, and refuses a module whose install is still under way (409). */
  private mustBeSettled(short: string): void {
    this.mustHave(short);
    if (this.installing.has(short))
      throw new HubError(
        "conflict",
        "being_installed",
        `${short} is still being installed; wait for that to end`,
      );
  }

  mustHave(short: string): ServiceRow {
    const row = this.deps.registry.byShort(short);
    if (!row || !this.deps.supervisor.get(short))
      throw new HubError("not_found", "unknown_module", `no module named "${short}" is installed`);
    return row;
  }

  /** Refuses a manifest whose name or paths another installed module (other than `except`) holds. */
  checkFree(m: Manifest, except?: string): void {
    for (const r of this.deps.registry.rows()) {
      if (r.name === except) continue;
      if (r.name === m.name || r.manifestName === m.manifestName) {
        throw new HubError("conflict", "already_installed", `${m.name} is already installed`);
      }
      const clash = m.paths.find((p) => r.paths.includes(p));
      if (clash) throw new HubError("conflict", "path_taken", `${clash} is already served by ${r.name}`);
    }
  }

  private remember(m: Manifest): void {
    this.publicGlobs.set(m.name, (m.publicPaths ?? []).map(globToRegExp));
    this.declaredScopes.set(m.name, m.scopes ?? []);
  }

  private rebuildRoutes(): void {
    const routes: Route[] = this.deps.registry.rows().flatMap((r) =>
      r.paths.map((prefix) => ({
        prefix,
        short: r.name,
        port: r.port,
        stripPrefix: r.stripPrefix === true,
        websocket: r.websocket === true,
      })),
    );
    this.table = new RouteTable(routes);
  }
}

/** Stands in for a manifest that could not be read, so the module still shows, as failing. */
function brokenManifest(row: ServiceRow): Manifest {
  return {
    name: row.name,
    manifestName: row.manifestName,
    port: row.port,
    paths: row.paths,
    health: row.health,
    startCmd: ["false"],
  };
}
