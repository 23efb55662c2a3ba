import { type Manifest, readManifest, type ServiceRow } from "@parachute/module-kit";
import type { ModuleStatus } from "../api-types.ts";
import { HubError } from "../errors.ts";
import { nearest } from "../platform/suggest.ts";
import { globToRegExp, type Route, RouteTable } from "../proxy/route-table.ts";
import type { ModuleRunner } from "../supervisor/module-runner.ts";
import { groupRssMb } from "../supervisor/port-probe.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";
import { moduleSpec, type SpecContext } from "./module-spec.ts";
import type { ServicesRegistry } from "./services-registry.ts";

/**
 * The one owner of the installed set: the services.json rows, the route table, each module's public
 * paths and declared scopes, and which modules the supervisor runs. Every change to one of them
 * goes through here, so they never disagree.
 */
export class InstalledModules {
  private table = new RouteTable([]);
  private readonly publicGlobs = new Map<string, RegExp[]>();
  private readonly declaredScopes = new Map<string, string[]>();
  private readonly tokenIssuers = new Set<string>();
  /** Scopes of other modules each module calls them with (manifest `needs`). */
  private readonly needed = new Map<string, string[]>();
  private readonly detachListeners = new Set<(short: string) => void>();
  /** Each routed module's mounts, from its checked manifest: never from what services.json says. */
  private readonly mounts = new Map<string, string[]>();
  /** Modules registered by an install that has not ended yet; the lifecycle verbs wait for it. */
  private readonly installing = new Set<string>();

  constructor(
    private readonly registry: ServicesRegistry,
    private readonly supervisor: Supervisor,
    readonly spec: SpecContext,
  ) {}

  rows(): ServiceRow[] {
    return this.registry.rows();
  }

  routes(): RouteTable {
    return this.table;
  }

  /**
   * What of a module is reachable without a login, as hub paths: its `publicPaths` and the standard
   * endpoints the protocol makes public (health, info, settings schema).
   */
  publicPaths(short: string): RegExp[] {
    return this.publicGlobs.get(short) ?? [];
  }

  /** Whether a module issues bearer tokens of its own, which the hub passes through unverified. */
  issuesOwnTokens(short: string): boolean {
    return this.tokenIssuers.has(short);
  }

  /** Every scope the installed modules declare. */
  scopes(): string[] {
    return [...this.declaredScopes.values()].flat();
  }

  /** The scopes a module needs from others, for its service token. */
  needs(short: string): string[] {
    return this.needed.get(short) ?? [];
  }

  /** Calls `fn` when a module leaves the supervisor (uninstalled, or replaced by an upgrade). */
  onDetach(fn: (short: string) => void): void {
    this.detachListeners.add(fn);
  }

  status(): ModuleStatus[] {
    return this.supervisor.list();
  }

  /** The status with each running module's memory (its process group's resident size, in MB). */
  statusWithMemory(): ModuleStatus[] {
    return this.supervisor.list().map((s) => ({ ...s, rssMb: s.pid ? groupRssMb(s.pid) : null }));
  }

  /** Registers every installed module with the supervisor and starts the enabled ones at once. */
  async boot(): Promise<void> {
    const toStart: string[] = [];
    for (const row of this.registry.rows()) {
      try {
        const manifest = await readManifest(row.installDir);
        // services.json is writable by modules (they may upsert their own row): its paths must be
        // the manifest's, and no two modules may claim the same path space.
        if (JSON.stringify(row.paths) !== JSON.stringify(manifest.paths)) {
          throw new Error(
            `services.json gives ${row.name} the paths ${row.paths.join(", ")}, its manifest ${manifest.paths.join(", ")}; reinstall it`,
          );
        }
        this.checkMounts(manifest);
        this.remember(manifest);
        this.supervisor.add(moduleSpec(row, manifest, this.spec));
        if (row.enabled !== false) toStart.push(row.name);
      } catch (err) {
        // Shown as failing with the reason, so the operator sees what broke it.
        this.supervisor.add(moduleSpec(row, brokenManifest(row), this.spec));
        this.supervisor.unrunnable(row.name, (err as Error).message);
      }
    }
    this.rebuildRoutes();
    this.supervisor.bootAll(toStart);
  }

  /** The row of an installed module; 404 when there is none. */
  mustHave(short: string): ServiceRow {
    const row = this.registry.byShort(short);
    if (!row || !this.supervisor.get(short)) {
      const names = this.registry.rows().map((r) => r.name);
      const guess = nearest(short, names);
      const hint = guess
        ? `; did you mean ${guess}?`
        : names.length
          ? ` (installed: ${names.join(", ")})`
          : " (none is installed)";
      throw new HubError("not_found", "unknown_module", `no module named "${short}" is installed${hint}`);
    }
    return row;
  }

  /** Like mustHave, and refuses a module whose install is still under way (409). */
  mustBeSettled(short: string): ServiceRow {
    const row = this.mustHave(short);
    if (this.installing.has(short))
      throw new HubError(
        "conflict",
        "being_installed",
        `${short} is still being installed; wait for that to end`,
      );
    return row;
  }

  runner(short: string): ModuleRunner {
    this.mustHave(short);
    return this.supervisor.get(short)!;
  }

  /**
   * Refuses a manifest whose name another installed module (other than `except`) has, or a mount that
   * equals, contains or sits inside one of its mounts (it would capture that module's traffic).
   */
  checkFree(m: Manifest, except?: string): void {
    for (const r of this.registry.rows()) {
      if (r.name === except) continue;
      if (r.name === m.name || r.manifestName === m.manifestName) {
        throw new HubError("conflict", "already_installed", `${m.name} is already installed`);
      }
    }
    this.checkMounts(m, except);
  }

  /** Refuses mounts that equal, contain or sit inside a routed module's (other than `except`). */
  private checkMounts(m: Manifest, except?: string): void {
    for (const [name, paths] of this.mounts) {
      const r = { name, paths };
      if (r.name === except || r.name === m.name) continue;
      for (const p of m.paths) {
        const other = r.paths.find((q) => p === q || p.startsWith(`${q}/`) || q.startsWith(`${p}/`));
        if (other) {
          const how =
            p === other
              ? "is already served by"
              : p.startsWith(`${other}/`)
                ? "sits inside the mount"
                : "contains the mount";
          throw new HubError(
            "conflict",
            "path_taken",
            `${p} ${how} ${p === other ? r.name : `${other} of ${r.name}`}`,
          );
        }
      }
    }
  }

  /**
   * Registers a row and its manifest (registry, routes, supervisor); the module is not started.
   * With `installing`, the lifecycle verbs are refused until `settled` is called.
   */
  attach(row: ServiceRow, manifest: Manifest, installing = false): ModuleRunner {
    this.remember(manifest);
    this.registry.put(row);
    this.rebuildRoutes();
    if (installing) this.installing.add(row.name);
    return this.supervisor.add(moduleSpec(row, manifest, this.spec));
  }

  /** An install that attached a module has ended, either way. */
  settled(short: string): void {
    this.installing.delete(short);
  }

  /** Stops a module and takes it out of the supervisor, routes and (unless `keepRow`) the registry. */
  async detach(short: string, keepRow = false): Promise<void> {
    if (this.supervisor.get(short)) await this.supervisor.remove(short);
    if (!keepRow) this.registry.remove(short);
    this.publicGlobs.delete(short);
    this.declaredScopes.delete(short);
    this.tokenIssuers.delete(short);
    this.mounts.delete(short);
    this.needed.delete(short);
    this.rebuildRoutes();
    for (const fn of this.detachListeners) fn(short);
  }

  /** Writes a row back as it was (an upgrade undone), without touching the supervisor. */
  restoreRow(row: ServiceRow): void {
    this.registry.put(row);
  }

  /** Forgets a row that no module is running for (an uninstall finished after a crash). */
  forgetRow(short: string): void {
    this.registry.remove(short);
  }

  /** Whether a module starts at the next boot (the lifecycle verbs set it). */
  setEnabled(short: string, enabled: boolean): void {
    this.registry.setEnabled(short, enabled);
  }

  /** Starts a module once the modules it depends on are active. */
  start(short: string): void {
    this.supervisor.start(short);
  }

  /** Stops a module; resolves once it has exited. */
  stop(short: string): Promise<void> {
    return this.supervisor.stop(short);
  }

  restart(short: string): void {
    this.supervisor.restart(short);
  }

  private remember(m: Manifest): void {
    const standard = m.paths.flatMap((mount) => [
      `${mount}/.parachute/info`,
      `${mount}/.parachute/config/schema`,
      m.stripPrefix ? `${mount}${m.health}` : m.health,
    ]);
    this.publicGlobs.set(m.name, [...(m.publicPaths ?? []), ...standard].map(globToRegExp));
    this.mounts.set(m.name, m.paths);
    this.declaredScopes.set(m.name, m.scopes ?? []);
    this.needed.set(m.name, m.needs ?? []);
    if (m.ownTokens) this.tokenIssuers.add(m.name);
    else this.tokenIssuers.delete(m.name);
  }

  private rebuildRoutes(): void {
    const routes: Route[] = this.registry.rows().flatMap((r) =>
      (this.mounts.get(r.name) ?? []).map((prefix) => ({
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
