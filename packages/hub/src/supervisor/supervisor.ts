import { type LogOptions, ModuleLog } from "./log-sink.ts";
import { type Effects, ModuleRunner, type ModuleSpec, type ModuleStatus } from "./module-runner.ts";

/**
 * All supervised modules: adds and removes runners, starts them in `dependsOn` order, and stops them
 * all in parallel at shutdown.
 */
export class Supervisor {
  private readonly runners = new Map<string, ModuleRunner>();
  private readonly watchers = new Set<(s: ModuleStatus) => void>();

  constructor(
    private readonly fx: Effects,
    private readonly logOptions: LogOptions,
  ) {}

  get(short: string): ModuleRunner | undefined {
    return this.runners.get(short);
  }

  list(): ModuleStatus[] {
    return [...this.runners.values()].map((r) => r.status());
  }

  /** Registers a module (or refreshes its spec); it is not started. */
  add(spec: ModuleSpec): ModuleRunner {
    const existing = this.runners.get(spec.short);
    if (existing) {
      existing.spec = spec;
      return existing;
    }
    const runner = new ModuleRunner(spec, new ModuleLog(spec.short, this.logOptions), this.fx);
    this.runners.set(spec.short, runner);
    let last = runner.status().state;
    runner.onChange(() => {
      const s = runner.status();
      if (s.state === last) return;
      last = s.state;
      for (const fn of this.watchers) fn(s);
    });
    return runner;
  }

  /** Calls `fn` whenever a module's public state changes (active, pending, inactive, failing). */
  watch(fn: (s: ModuleStatus) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  /** Stops a module and forgets it. */
  async remove(short: string): Promise<void> {
    await this.stop(short);
    this.runners.delete(short);
  }

  /**
   * Starts a module once every module it depends on is active; until then it shows as pending,
   * waiting for the first missing one.
   */
  start(short: string): void {
    const runner = this.mustGet(short);
    const missing = () => runner.spec.dependsOn.find((d) => this.runners.get(d)?.status().state !== "active");
    const first = missing();
    if (first === undefined) {
      runner.dispatch({ type: "start" });
      return;
    }
    runner.dispatch({ type: "wait-for", dependency: first });
    const offs = runner.spec.dependsOn.map((d) => this.runners.get(d)?.onChange(() => retry()) ?? (() => {}));
    const retry = () => {
      if (!runner.isWaiting()) return done();
      if (missing() === undefined) {
        done();
        runner.dispatch({ type: "start" });
      }
    };
    const done = () => {
      for (const off of offs) off();
    };
  }

  /** Marks a module that cannot be run at all (its manifest is unreadable) as failing, with why. */
  unrunnable(short: string, reason: string): void {
    this.mustGet(short).dispatch({ type: "unrunnable", reason });
  }

  /** Stops a module; resolves once its process has exited. */
  async stop(short: string): Promise<void> {
    const runner = this.mustGet(short);
    runner.dispatch({ type: "stop" });
    await runner.until(() => runner.isStopped(), 3_600_000);
  }

  restart(short: string): void {
    this.mustGet(short).dispatch({ type: "restart" });
  }

  /** Starts every given module at once; dependants wait for their dependencies. */
  bootAll(shorts: string[]): void {
    for (const short of shorts) this.start(short);
  }

  /** Stops every module in parallel. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.runners.keys()].map((s) => this.stop(s)));
  }

  /** The longest stop grace of the modules, which bounds a clean shutdown. */
  longestGraceMs(): number {
    return Math.max(0, ...[...this.runners.values()].map((r) => r.spec.policy.stopGraceMs));
  }

  private mustGet(short: string): ModuleRunner {
    const runner = this.runners.get(short);
    if (!runner) throw new Error(`no module named ${short}`);
    return runner;
  }
}
