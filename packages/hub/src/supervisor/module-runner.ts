import type { ModuleStatus } from "../api-types.ts";
import type { ModuleLog } from "./log-sink.ts";
import {
  type Effect,
  type Event,
  initialState,
  type ModuleState,
  publicState,
  type TimerName,
  transition,
} from "./machine.ts";
import type { Policy } from "./restart-policy.ts";

/** Everything the supervisor needs to run one module. */
export interface ModuleSpec {
  short: string;
  manifestName: string;
  version: string;
  port: number;
  cwd: string;
  argv: string[];
  env: Record<string, string>;
  healthUrl: string;
  policy: Policy;
  dependsOn: string[];
  memoryLimitMb?: number;
}

export type { ModuleStatus };

export interface ChildProcess {
  pid: number;
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** Signals the child's whole process group. */
  signalGroup(signal: "SIGTERM" | "SIGKILL"): void;
}

/** The side effects the runner performs; real ones in production, the same shape in unit tests. */
export interface Effects {
  spawn(spec: ModuleSpec, log: ModuleLog): ChildProcess;
  probeHealth(url: string): Promise<boolean>;
  findSquatter(port: number): Promise<string | null>;
  groupRssMb(pgid: number): number;
  now(): number;
  random(): number;
  watchdog: { add(pgid: number): void; remove(pgid: number): void };
}

/** How many missed health checks in a row mean "hung". */
const HUNG_AFTER_MISSES = 3;
const PROBE_EVERY_MS = 20;

/**
 * Drives one module: feeds events into the pure state machine and performs the effects it returns.
 */
export class ModuleRunner {
  state: ModuleState = initialState();
  /** Set while the module waits for the modules it depends on. */
  waitingFor: string | null = null;
  private proc: ChildProcess | null = null;
  private generation = 0;
  private readonly timers = new Map<TimerName, ReturnType<typeof setTimeout>>();
  private watch: ReturnType<typeof setInterval> | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    public spec: ModuleSpec,
    readonly log: ModuleLog,
    private readonly fx: Effects,
  ) {}

  dispatch(event: Event): void {
    const [next, effects] = transition(this.state, event, {
      now: this.fx.now(),
      random: this.fx.random,
      policy: this.spec.policy,
    });
    this.state = next;
    for (const effect of effects) this.perform(effect);
    this.syncWatch();
    for (const fn of this.listeners) fn();
  }

  status(): ModuleStatus {
    const s = this.state;
    const waiting = this.waitingFor && s.phase === "stopped" && s.wanted;
    return {
      short: this.spec.short,
      manifestName: this.spec.manifestName,
      state: waiting ? "pending" : publicState(s),
      reason: waiting
        ? `waiting for ${this.waitingFor} to be active`
        : publicState(s) === "active"
          ? null
          : s.reason,
      pid: s.pid,
      port: this.spec.port,
      version: this.spec.version,
      restarts: s.restarts,
      uptime:
        s.readyAt !== null && s.phase === "running" ? Math.round((this.fx.now() - s.readyAt) / 1000) : null,
      wanted: s.wanted,
    };
  }

  /** Resolves once `pred` holds for this module, or rejects after `ms`. */
  until(pred: (s: ModuleStatus) => boolean, ms: number): Promise<ModuleStatus> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const st = this.status();
        if (!pred(st)) return false;
        clearTimeout(timer);
        this.listeners.delete(onChange);
        resolve(st);
        return true;
      };
      const onChange = () => void check();
      const timer = setTimeout(() => {
        this.listeners.delete(onChange);
        reject(new Error(`${this.spec.short} is ${this.status().state}: ${this.status().reason ?? ""}`));
      }, ms);
      this.listeners.add(onChange);
      check();
    });
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private perform(effect: Effect): void {
    switch (effect.type) {
      case "spawn":
        void this.spawn(++this.generation);
        return;
      case "probe-health":
        void this.probe(this.generation);
        return;
      case "signal":
        if (this.proc) this.proc.signalGroup(effect.signal);
        else if (effect.signal === "SIGTERM")
          queueMicrotask(() => this.dispatch({ type: "exited", code: null, signal: null }));
        return;
      case "set-timer": {
        clearTimeout(this.timers.get(effect.name));
        const name = effect.name;
        this.timers.set(
          name,
          setTimeout(() => {
            this.timers.delete(name);
            this.dispatch({ type: "timer", name });
          }, effect.ms),
        );
        return;
      }
      case "clear-timer":
        clearTimeout(this.timers.get(effect.name));
        this.timers.delete(effect.name);
        return;
    }
  }

  private async spawn(gen: number): Promise<void> {
    const squatter = await this.fx.findSquatter(this.spec.port);
    if (gen !== this.generation || this.state.phase !== "starting") return;
    if (squatter) {
      this.log.write([`not started: ${squatter}`]);
      return this.dispatch({ type: "spawn-failed", reason: squatter });
    }
    let proc: ChildProcess;
    try {
      proc = this.fx.spawn(this.spec, this.log);
    } catch (err) {
      return this.dispatch({ type: "spawn-failed", reason: `could not start: ${(err as Error).message}` });
    }
    this.proc = proc;
    this.fx.watchdog.add(proc.pid);
    void proc.exited.then(({ code, signal }) => {
      this.fx.watchdog.remove(proc.pid);
      // Leftovers of the group (grandchildren) go with it.
      try {
        proc.signalGroup("SIGKILL");
      } catch {}
      if (this.proc !== proc) return;
      this.proc = null;
      this.dispatch({ type: "exited", code, signal });
    });
    this.dispatch({ type: "spawned", pid: proc.pid });
  }

  private async probe(gen: number): Promise<void> {
    while (gen === this.generation && this.state.phase === "starting") {
      if (await this.fx.probeHealth(this.spec.healthUrl)) {
        if (gen === this.generation && this.state.phase === "starting") this.dispatch({ type: "ready" });
        return;
      }
      await Bun.sleep(PROBE_EVERY_MS);
    }
  }

  /** While running: a hung module (health misses) or one over its memory limit is restarted. */
  private syncWatch(): void {
    const running = this.state.phase === "running";
    if (running && !this.watch) {
      let misses = 0;
      const gen = this.generation;
      // Each check belongs to one process: an answer that arrives after a restart is dropped.
      const current = () => gen === this.generation && this.state.phase === "running";
      this.watch = setInterval(async () => {
        const pid = this.state.pid;
        if (!current() || pid === null) return;
        const limit = this.spec.memoryLimitMb;
        if (limit) {
          const rss = this.fx.groupRssMb(pid);
          if (rss > limit) {
            return this.dispatch({
              type: "unhealthy",
              reason: `memory ${rss} MB above the limit of ${limit} MB`,
            });
          }
        }
        const ok = await this.fx.probeHealth(this.spec.healthUrl);
        if (!current()) return;
        misses = ok ? 0 : misses + 1;
        if (misses >= HUNG_AFTER_MISSES) {
          this.dispatch({ type: "unhealthy", reason: `health check failed ${misses} times in a row` });
        }
      }, this.spec.policy.watchMs);
      this.watch.unref?.();
    } else if (!running && this.watch) {
      clearInterval(this.watch);
      this.watch = null;
    }
  }
}
