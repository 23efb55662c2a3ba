import { rmSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { HttpError, type Manifest, readManifest, type ServiceRow } from "@parachute/module-kit";
import { globToRegExp } from "./identity/proxy-gate.ts";
import { fetchPackage, type ModuleSource, parseSource, removePackage } from "./modules/installer.ts";
import { openLocalPackage } from "./modules/local-package.ts";
import { moduleSpec, rowFor, type SpecContext } from "./modules/module-spec.ts";
import { installTarget } from "./modules/package-spec.ts";
import { assignPort } from "./modules/ports.ts";
import type { Registry } from "./modules/registry.ts";
import type { Route } from "./proxy/route-table.ts";
import { RouteTable } from "./proxy/route-table.ts";
import { initialState } from "./supervisor/machine.ts";
import type { ModuleRunner, ModuleStatus } from "./supervisor/module-runner.ts";
import type { Supervisor } from "./supervisor/supervisor.ts";

export interface HubDeps {
  registry: Registry;
  supervisor: Supervisor;
  spec: SpecContext;
  hubPort: () => number;
  isPortFree: (port: number) => Promise<boolean>;
  /** Where catalog modules and package specs come from unless a request names a source. */
  defaultSource: () => Promise<ModuleSource>;
}

/** What to install: a local folder or tarball, a catalog short name, or a registry package spec. */
export interface InstallRequest {
  path?: string;
  short?: string;
  spec?: string;
  source?: string;
}

/**
 * The hub's module operations: what the CLI and the API ask for, over the registry (what is
 * installed) and the supervisor (what runs).
 */
export class Hub {
  private table: RouteTable = new RouteTable([]);
  private readonly publicGlobs = new Map<string, RegExp[]>();
  private readonly declaredScopes = new Map<string, string[]>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: HubDeps) {}

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

  private remember(m: Manifest): void {
    this.publicGlobs.set(m.name, (m.publicPaths ?? []).map(globToRegExp));
    this.declaredScopes.set(m.name, m.scopes ?? []);
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

  /** Installs a local package (folder or tarball), starts it and waits until it is active. */
  install(req: InstallRequest): Promise<ModuleStatus> {
    return this.serialised(async () => {
      const pkg = await this.obtain(req);
      const m = pkg.manifest;
      try {
        this.checkFree(m);
      } catch (err) {
        pkg.discard();
        throw err;
      }
      const taken = new Set(this.deps.registry.rows().map((r) => r.port));
      taken.add(this.deps.hubPort());
      const port = await assignPort(m.port, taken, this.deps.isPortFree);
      const row = rowFor(m, pkg.version, pkg.dir, port);
      this.remember(m);
      this.deps.registry.put(row);
      this.rebuildRoutes();
      const runner = this.deps.supervisor.add(moduleSpec(row, m, this.deps.spec));
      this.deps.supervisor.start(m.name);
      const limit = (m.startTimeoutMs ?? 15_000) + 2_000;
      try {
        return await runner
          .until((s) => s.state === "active" || s.state === "failing", limit)
          .then((s) => {
            if (s.state !== "active") throw new Error(s.reason ?? "failing");
            return s;
          });
      } catch (err) {
        const tail = runner.log.last(20).join("\n");
        await this.deps.supervisor.remove(m.name);
        this.deps.registry.remove(m.name);
        this.rebuildRoutes();
        pkg.discard();
        throw new HttpError(
          422,
          "module_not_ready",
          `${m.name} did not become active: ${(err as Error).message}${tail ? `\n${tail}` : ""}`,
        );
      }
    });
  }

  /** Gets the package a request names onto the disk, with a way to undo it. */
  private async obtain(
    req: InstallRequest,
  ): Promise<{ dir: string; manifest: Manifest; version: string; discard(): void }> {
    const modules = join(this.deps.spec.home, "modules");
    if (req.path !== undefined) {
      if (req.short !== undefined || req.spec !== undefined || req.source !== undefined) {
        throw new HttpError(
          400,
          "invalid_body",
          '"path" installs a local package; it takes no "short", "spec" or "source"',
        );
      }
      return openLocalPackage(req.path, modules);
    }
    const target = installTarget(req);
    const source = req.source !== undefined ? parseSource(req.source) : await this.deps.defaultSource();
    const fetched = await fetchPackage(modules, target, source);
    if (target.short && fetched.manifest.name !== target.short) {
      fetched.rollback();
      throw new HttpError(
        422,
        "invalid_package",
        `${target.name} declares module "${fetched.manifest.name}", not "${target.short}"`,
      );
    }
    return { ...fetched, discard: fetched.rollback };
  }

  /**
   * Stops a module and removes it from the registry, and its package when the hub unpacked it; a
   * folder installed in place and the module's data folder stay.
   */
  uninstall(short: string): Promise<void> {
    return this.serialised(async () => {
      this.mustHave(short);
      const row = this.deps.registry.byShort(short);
      await this.deps.supervisor.remove(short);
      this.deps.registry.remove(short);
      this.rebuildRoutes();
      const modules = join(this.deps.spec.home, "modules");
      if (row && isInside(row.installDir, join(modules, "node_modules")))
        await removePackage(modules, row.installDir);
      else if (row && isInside(row.installDir, modules))
        rmSync(row.installDir, { recursive: true, force: true });
    });
  }

  async start(short: string, wait: boolean): Promise<ModuleStatus> {
    this.mustHave(short);
    this.deps.registry.setEnabled(short, true);
    this.deps.supervisor.start(short);
    const runner = this.deps.supervisor.get(short)!;
    if (!wait) return runner.status();
    return settle(
      runner,
      (s) => s.state === "active" || s.state === "failing",
      runner.spec.policy.startTimeoutMs + 2_000,
    );
  }

  async stop(short: string): Promise<ModuleStatus> {
    this.mustHave(short);
    this.deps.registry.setEnabled(short, false);
    await this.deps.supervisor.stop(short);
    return this.deps.supervisor.get(short)!.status();
  }

  async restart(short: string, wait: boolean): Promise<ModuleStatus> {
    this.mustHave(short);
    this.deps.registry.setEnabled(short, true);
    const runner = this.deps.supervisor.get(short)!;
    const before = runner.state.pid;
    this.deps.supervisor.restart(short);
    if (!wait) return runner.status();
    const limit = runner.spec.policy.stopGraceMs + runner.spec.policy.startTimeoutMs + 2_000;
    return settle(runner, (s) => (s.state === "active" && s.pid !== before) || s.state === "failing", limit);
  }

  logs(short: string, n: number): string[] {
    this.mustHave(short);
    return this.deps.supervisor.get(short)!.log.last(n);
  }

  follow(short: string, fn: (line: string) => void): () => void {
    this.mustHave(short);
    return this.deps.supervisor.get(short)!.log.follow(fn);
  }

  private mustHave(short: string): void {
    if (!this.deps.supervisor.get(short))
      throw new HttpError(404, "unknown_module", `no module named "${short}" is installed`);
  }

  private checkFree(m: Manifest): void {
    for (const r of this.deps.registry.rows()) {
      if (r.name === m.name || r.manifestName === m.manifestName) {
        throw new HttpError(409, "already_installed", `${m.name} is already installed`);
      }
      const clash = m.paths.find((p) => r.paths.includes(p));
      if (clash) throw new HttpError(409, "path_taken", `${clash} is already served by ${r.name}`);
    }
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

  private serialised<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => {});
    return run;
  }
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

/** Waits until `pred` holds or `ms` pass, then reports the module as it is; the caller judges the state. */
function settle(runner: ModuleRunner, pred: (s: ModuleStatus) => boolean, ms: number): Promise<ModuleStatus> {
  return runner.until(pred, ms).catch(() => runner.status());
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
