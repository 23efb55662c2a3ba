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
  /** The module's public URL, for status and logs. */
  url?: string;
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

/** Time as the runner sees it: the real clock in production, a fake one that tests advance. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The side effects the runner performs; real ones in production, the same shape in unit tests. */
export interface Effects {
  spawn(spec: ModuleSpec, log: ModuleLog): ChildProcess;
  probeHealth(url: string): Promise<boolean>;
  findSquatter(port: number): Promise<string | null>;
  groupRssMb(pgid: number): number;
  clock: Clock;
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
  private state: ModuleState = initialState();
  private proc: ChildProcess | null = null;
  private generation = 0;
  private readonly timers = new Map<TimerName, unknown>();
  private watchTimer: unknown = null;
  private watchGen = -1;
  private readonly listeners = new Set<() => void>();

  constructor(
    public spec: ModuleSpec,
    readonly log: ModuleLog,
    private readonly fx: Effects,
  ) {}

  dispatch(event: Event): void {
    const [next, effects] = transition(this.state, event, {
      now: this.fx.clock.now(),
      random: this.fx.random,
      policy: this.spec.policy,
    });
    this.state = next;
    for (const effect of effects) this.perform(effect);
    this.syncWatch();
    for (const fn of this.listeners) fn();
  }

  /** Whether its process is gone and nothing is under way (stopped, not failed or backing off). */
  isStopped(): boolean {
    return this.state.phase === "stopped" && this.state.pid === null;
  }

  /** Whether it is wanted up but waits, stopped, for a module it depends on. */
  isWaiting(): boolean {
    return this.state.phase === "stopped" && this.state.wanted && this.state.waitingFor !== null;
  }

  status(): ModuleStatus {
    const s = this.state;
    const state = publicState(s);
    return {
      short: this.spec.short,
      manifestName: this.spec.manifestName,
      state,
      reason: this.isWaiting()
        ? `waiting for ${s.waitingFor} to be active`
        : state === "active"
          ? null
          : s.reason,
      pid: s.pid,
      port: this.spec.port,
      url: this.spec.url ?? null,
      version: this.spec.version,
      restarts: s.restarts,
      uptime:
        s.readyAt !== null && s.phase === "running"
          ? Math.round((this.fx.clock.now() - s.readyAt) / 1000)
          : null,
      wanted: s.wanted,
    };
  }

  /** Resolves once `pred` holds for this module, or rejects after `ms`. */
  until(pred: (s: ModuleStatus) => boolean, ms: number): Promise<ModuleStatus> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const st = this.status();
        if (!pred(st)) return false;
        this.fx.clock.clearTimeout(timer);
        this.listeners.delete(onChange);
        resolve(st);
        return true;
      };
      const onChange = () => void check();
      const timer = this.fx.clock.setTimeout(() => {
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
        this.fx.clock.clearTimeout(this.timers.get(effect.name));
        const name = effect.name;
        this.timers.set(
          name,
          this.fx.clock.setTimeout(() => {
            this.timers.delete(name);
            this.dispatch({ type: "timer", name });
          }, effect.ms),
        );
        return;
      }
      case "clear-timer":
        this.fx.clock.clearTimeout(this.timers.get(effect.name));
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
      await new Promise((r) => this.fx.clock.setTimeout(() => r(undefined), PROBE_EVERY_MS));
    }
  }

  /** While running: a hung module (health misses) or one over its memory limit is restarted. */
  private syncWatch(): void {
    if (this.state.phase !== "running") {
      if (this.watchTimer !== null) this.fx.clock.clearTimeout(this.watchTimer);
      this.watchTimer = null;
      return;
    }
    if (this.watchGen === this.generation) return;
    const gen = this.generation;
    this.watchGen = gen;
    let misses = 0;
    // Each check belongs to one process: an answer that arrives after a restart is dropped.
    const current = () => gen === this.generation && this.state.phase === "running";
    const tick = async () => {
      this.watchTimer = null;
      const began = this.fx.clock.now();
      const pid = this.state.pid;
      if (!current() || pid === null) return;
      const limit = this.spec.memoryLimitMb;
      const rss = limit ? this.fx.groupRssMb(pid) : 0;
      if (limit && rss > limit) {
        return this.dispatch({
          type: "unhealthy",
          reason: `memory ${rss} MB above the limit of ${limit} MB`,
        });
      }
      const ok = await this.fx.probeHealth(this.spec.healthUrl);
      if (!current()) return;
      misses = ok ? 0 : misses + 1;
      if (misses >= HUNG_AFTER_MISSES) {
        return this.dispatch({ type: "unhealthy", reason: `health check failed ${misses} times in a row` });
      }
      // The next check comes one period after this one began, however long the probe took.
      schedule(Math.max(0, this.spec.policy.watchMs - (this.fx.clock.now() - began)));
    };
    const schedule = (ms: number) => {
      this.watchTimer = this.fx.clock.setTimeout(() => void tick(), ms);
    };
    schedule(this.spec.policy.watchMs);
  }
}
