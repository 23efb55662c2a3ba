import { join } from "node:path";
import { backupFlow } from "./flows/backup.ts";
import { type Flow, type FlowContext, PACKAGES } from "./flows/flow.ts";
import { hubUpgradeFlow } from "./flows/hub-upgrade.ts";
import { type InstallRequest, installFlow } from "./flows/install.ts";
import { restartFlow, startFlow, stopFlow } from "./flows/lifecycle.ts";
import { restoreFlow } from "./flows/restore.ts";
import { uninstallFlow } from "./flows/uninstall.ts";
import { upgradeFlow } from "./flows/upgrade.ts";
import { CATALOG } from "./modules/catalog.ts";
import { InstalledModules } from "./modules/installed.ts";
import type { RunOptions } from "./modules/installer.ts";
import { sweepUnpacked } from "./modules/local-package.ts";
import type { SpecContext } from "./modules/module-spec.ts";
import type { ServicesRegistry } from "./modules/services-registry.ts";
import { type ModuleSource, offeredModules } from "./modules/sources.ts";
import { Journal, type JournalEntry } from "./operations/journal.ts";
import type { Operation } from "./operations/operation.ts";
import { Operations } from "./operations/operations.ts";
import { recoverPending } from "./operations/recover.ts";
import type { Supervisor } from "./supervisor/supervisor.ts";

export type { InstallRequest } from "./flows/install.ts";

/** One catalog module, as `GET /api/catalog` lists it. */
export interface CatalogItem {
  short: string;
  displayName: string;
  tagline: string;
  installed: boolean;
  available: boolean;
}

export interface HubDeps {
  registry: ServicesRegistry;
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

/** Every flow that journals, by the kind it writes, so the next boot can finish or undo it. */
const RECOVERABLE: Pick<Flow<never, never>, "kind" | "recover">[] = [installFlow, upgradeFlow, uninstallFlow];

/**
 * The hub's module operations, as the CLI and the API ask for them: each checks the request at once
 * and returns the queued operation, which runs one flow over the installed set.
 */
export class Hub {
  readonly installed: InstalledModules;
  readonly ops: Operations;
  private readonly ctx: FlowContext;

  constructor(deps: HubDeps) {
    const journal = new Journal(join(deps.spec.home, "operations"));
    this.installed = new InstalledModules(deps.registry, deps.supervisor, deps.spec);
    this.ops = new Operations(journal);
    this.ctx = {
      installed: this.installed,
      journal,
      home: deps.spec.home,
      modulesDir: join(deps.spec.home, "modules"),
      defaultSource: deps.defaultSource,
      packages: { guard: deps.guard },
      hubPort: deps.hubPort,
      isPortFree: deps.isPortFree,
      hubEnv: deps.spec.hubEnv,
      restartHub: deps.restartHub,
    };
  }

  /**
   * The catalog as the admin app offers it: each module, whether it is installed, and whether the
   * default source has it (a registry is assumed to have them all).
   */
  async catalog(): Promise<CatalogItem[]> {
    const offered = offeredModules(await this.ctx.defaultSource());
    const installed = new Set(this.installed.rows().map((r) => r.name));
    return CATALOG.map((e) => ({
      short: e.short,
      displayName: e.displayName,
      tagline: e.tagline,
      installed: installed.has(e.short),
      available: offered === null || offered.includes(e.short),
    }));
  }

  /** Finishes or undoes the operations a crash interrupted; returns what it did, for the hub's log. */
  async recover(): Promise<string[]> {
    const recoverers = Object.fromEntries(
      RECOVERABLE.map(
        (flow) => [flow.kind, (entry: JournalEntry) => flow.recover!(this.ctx, entry)] as const,
      ),
    );
    const done = await recoverPending(this.ctx.journal, recoverers);
    sweepUnpacked(this.ctx.modulesDir, this.installed.rows());
    return done;
  }

  /** Installs a package (catalog module, package spec, local folder or tarball), starts it, waits for it. */
  install(req: InstallRequest): Promise<Operation> {
    return this.submit(installFlow, req);
  }

  /** Upgrades a registry-installed module, rolling back package and data if the new one is not ready. */
  upgrade(short: string, version?: string): Promise<Operation> {
    return this.submit(upgradeFlow, { short, version });
  }

  /** Installs another hub version into the home and restarts onto it. */
  upgradeHub(version?: string): Promise<Operation> {
    return this.submit(hubUpgradeFlow, { version });
  }

  /** Writes a backup of the home for the admin app to download. */
  backup(): Promise<Operation> {
    return this.submit(backupFlow, {});
  }

  /** Checks an uploaded backup and restarts the hub to restore it; a damaged one is refused here. */
  restore(upload: string): Promise<Operation> {
    return this.submit(restoreFlow, { upload });
  }

  /** Stops a module and removes it and its package; its data stays unless `purge`. */
  uninstall(short: string, purge: boolean): Promise<Operation> {
    return this.submit(uninstallFlow, { short, purge });
  }

  start(short: string): Promise<Operation> {
    return this.submit(startFlow, short);
  }

  stop(short: string): Promise<Operation> {
    return this.submit(stopFlow, short);
  }

  restart(short: string): Promise<Operation> {
    return this.submit(restartFlow, short);
  }

  private async submit<Req, Plan>(flow: Flow<Req, Plan>, req: Req): Promise<Operation> {
    const { module, keys, plan } = await flow.prepare(this.ctx, req);
    // Nothing that changes the installed packages starts while an operation waits for recovery.
    if (keys.includes(PACKAGES)) this.ops.refuseWhileBlocked();
    return this.ops.submit(flow.kind, module, keys, (op) => flow.run(this.ctx, plan, op), {
      journaled: flow.journaled,
    });
  }
}
