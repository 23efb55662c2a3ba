import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ModuleLog } from "./log-sink.ts";
import {
  type ChildProcess,
  type Clock,
  type Effects,
  ModuleRunner,
  type ModuleSpec,
} from "./module-runner.ts";
import type { Policy } from "./restart-policy.ts";

type Signal = "SIGTERM" | "SIGKILL";
type Exit = { code: number | null; signal: string | null };

/** A child process that exits when the test says so, or when signalled (unless it ignores SIGTERM). */
class FakeProcess implements ChildProcess {
  readonly exited: Promise<Exit>;
  readonly signals: { signal: Signal; failedProbes: number }[] = [];
  ignoreTerm = false;
  private done = false;
  private resolve!: (exit: Exit) => void;

  constructor(
    readonly pid: number,
    private readonly fx: FakeEffects,
  ) {
    this.exited = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  exit(code: number | null, signal: string | null = null): void {
    if (this.done) return;
    this.done = true;
    this.resolve({ code, signal });
  }

  signalGroup(signal: Signal): void {
    this.signals.push({ signal, failedProbes: this.fx.failedProbes });
    if (signal === "SIGKILL" || !this.ignoreTerm) this.exit(null, signal);
  }
}

/** Time that moves only when the test advances it; due timers fire in order, promises settle between. */
class FakeClock implements Clock {
  private t = 1_000_000;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    this.timers.set(++this.seq, { at: this.t + ms, fn });
    return this.seq;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settleMicrotasks();
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers)
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
    await settleMicrotasks();
  }
}

const settleMicrotasks = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The runner's side effects, each one controllable from the test. */
class FakeEffects implements Effects {
  healthy = false;
  squatter: string | null = null;
  rss: (pid: number) => number = () => 10;
  failedProbes = 0;
  probes = 0;
  /** When set, decides each probe's answer (by 1-based call number) instead of `healthy`. */
  script: ((call: number) => boolean | Promise<boolean>) | null = null;
  readonly procs: FakeProcess[] = [];
  readonly watched = new Set<number>();
  readonly watchdog = {
    add: (pid: number) => void this.watched.add(pid),
    remove: (pid: number) => void this.watched.delete(pid),
  };
  private nextPid = 1000;

  spawn(): ChildProcess {
    const proc = new FakeProcess(this.nextPid++, this);
    this.procs.push(proc);
    return proc;
  }

  async probeHealth(): Promise<boolean> {
    const call = ++this.probes;
    const ok = await (this.script ? this.script(call) : this.healthy);
    if (!ok) this.failedProbes++;
    return ok;
  }

  async findSquatter(): Promise<string | null> {
    return this.squatter;
  }

  groupRssMb(pgid: number): number {
    return this.rss(pgid);
  }

  readonly clock = new FakeClock();

  random(): number {
    return 0.5;
  }
}

const policy: Policy = {
  startTimeoutMs: 200,
  stopGraceMs: 50,
  backoffBaseMs: 10,
  backoffCapMs: 50,
  crashBudget: 5,
  crashWindowMs: 60_000,
  healthyResetMs: 60_000,
  retryFailedMs: 60_000,
  watchMs: 20,
};

describe("ModuleRunner", () => {
  let dir = "";
  let fx: FakeEffects;
  let runner: ModuleRunner;
  let reasons: (string | null)[];

  const spec = (extra: Partial<ModuleSpec> = {}): ModuleSpec => ({
    short: "notes",
    manifestName: "@parachute/notes",
    version: "1.0.0",
    port: 1940,
    cwd: dir,
    argv: ["bun", "server.ts"],
    env: {},
    healthUrl: "http://127.0.0.1:1940/notes/health",
    policy,
    dependsOn: [],
    ...extra,
  });

  const make = (extra: Partial<ModuleSpec> = {}) => {
    runner = new ModuleRunner(
      spec(extra),
      new ModuleLog("notes", { dir, maxBytes: 1e6, keep: 1, tailLines: 100, echo: () => {} }),
      fx,
    );
    runner.onChange(() => reasons.push(runner.status().reason));
    return runner;
  };
  /** Advances fake time in 10 ms steps until `check` holds; fails after a minute of fake time. */
  const settle = async (check: () => unknown, what: string) => {
    for (let waited = 0; waited <= 60_000; waited += 10) {
      if (check()) return;
      await fx.clock.advance(10);
    }
    throw new Error(`${what} did not happen within a minute of fake time`);
  };
  const active = () => settle(() => runner.status().state === "active", "active");

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "module-runner-test-"));
    fx = new FakeEffects();
    reasons = [];
  });

  afterEach(async () => {
    if (runner) {
      runner.dispatch({ type: "stop" });
      await settle(() => runner.status().state === "inactive", "the stop");
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test("start: spawns, probes until healthy, then active", async () => {
    make();
    runner.dispatch({ type: "start" });
    await settle(() => fx.failedProbes >= 2, "a second failed probe");
    expect(runner.status().state).toBe("pending");
    expect(fx.procs).toHaveLength(1);
    fx.healthy = true;
    await active();
    expect(runner.status()).toMatchObject({ pid: 1000, restarts: 0, wanted: true, reason: null });
    expect(fx.watched.has(1000)).toBe(true);
  });

  test("a process that exits is restarted and becomes active again", async () => {
    fx.healthy = true;
    make();
    runner.dispatch({ type: "start" });
    await active();
    fx.procs[0]!.exit(1);
    await settle(() => fx.procs.length === 2 && runner.status().state === "active", "the restarted process");
    expect(runner.status()).toMatchObject({ pid: 1001, restarts: 1 });
    expect(reasons.some((r) => r?.includes("exit code 1"))).toBe(true);
    expect(fx.watched.has(1000)).toBe(false);
  });

  test("a port squatter fails the module with its description and nothing is spawned", async () => {
    fx.healthy = true;
    fx.squatter = "port 1940 is used by nginx (pid 77)";
    make();
    runner.dispatch({ type: "start" });
    await settle(() => runner.status().state === "failing", "failing");
    expect(runner.status().reason).toBe("port 1940 is used by nginx (pid 77)");
    expect(fx.procs).toHaveLength(0);
    expect(runner.log.last(1)[0]).toContain("nginx");
  });

  test("a module over its memory limit is sent SIGTERM and restarted", async () => {
    fx.healthy = true;
    fx.rss = (pid) => (pid === 1000 ? 500 : 10);
    make({ memoryLimitMb: 100 });
    runner.dispatch({ type: "start" });
    await settle(
      () => fx.procs[0]?.signals.some((s) => s.signal === "SIGTERM"),
      "SIGTERM to the first process",
    );
    await settle(() => fx.procs.length === 2 && runner.status().state === "active", "the restarted process");
    expect(reasons.some((r) => r?.includes("memory 500 MB above the limit of 100 MB"))).toBe(true);
    expect(fx.procs[1]!.signals).toEqual([]);
  });

  test("a module whose health check keeps failing is restarted after three misses", async () => {
    fx.healthy = true;
    make();
    runner.dispatch({ type: "start" });
    await active();
    fx.healthy = false;
    await settle(() => fx.procs.length === 2, "the restart of the hung module");
    expect(fx.procs[0]!.signals[0]).toEqual({ signal: "SIGTERM", failedProbes: 3 });
    expect(reasons).toContain("health check failed 3 times in a row");
    fx.healthy = true;
    await active();
    expect(runner.status().restarts).toBe(1);
  });

  test("a late health answer about the previous process does not kill its replacement", async () => {
    fx.healthy = true;
    make();
    runner.dispatch({ type: "start" });
    await active();
    const first = fx.probes;
    let answerLate: (ok: boolean) => void = () => {};
    fx.script = (call) => {
      if (call <= first + 2) return false;
      if (call === first + 3) return new Promise<boolean>((resolve) => (answerLate = resolve));
      return true;
    };
    await settle(() => fx.probes === first + 3, "a third probe left hanging");
    fx.procs[0]!.exit(1);
    await settle(() => fx.procs.length === 2 && runner.status().state === "active", "the restarted process");
    answerLate(false);
    const now = fx.probes;
    await settle(() => fx.probes >= now + 3, "three watch ticks of the new process");
    expect(fx.procs[1]!.signals).toEqual([]);
    expect(runner.status()).toMatchObject({ state: "active", pid: 1001 });
  });

  test("stop escalates to SIGKILL when SIGTERM is ignored", async () => {
    fx.healthy = true;
    make();
    runner.dispatch({ type: "start" });
    await active();
    fx.procs[0]!.ignoreTerm = true;
    runner.dispatch({ type: "stop" });
    await settle(() => runner.status().state === "inactive" && runner.status().pid === null, "the stop");
    expect(fx.procs[0]!.signals.map((s) => s.signal).slice(0, 2)).toEqual(["SIGTERM", "SIGKILL"]);
    expect(fx.procs).toHaveLength(1);
  });

  test("until() rejects once its deadline passes, not before", async () => {
    make();
    let outcome = "pending";
    runner
      .until((s) => s.state === "active", 50)
      .then(
        () => (outcome = "resolved"),
        (err: Error) => (outcome = err.message),
      );
    await fx.clock.advance(49);
    expect(outcome).toBe("pending");
    await fx.clock.advance(1);
    expect(outcome).toContain("notes is inactive");
  });

  test("stop waits the grace period, to the millisecond, before SIGKILL", async () => {
    fx.healthy = true;
    make();
    runner.dispatch({ type: "start" });
    await active();
    fx.procs[0]!.ignoreTerm = true;
    runner.dispatch({ type: "stop" });
    await fx.clock.advance(policy.stopGraceMs - 1);
    expect(fx.procs[0]!.signals.map((s) => s.signal)).toEqual(["SIGTERM"]);
    await fx.clock.advance(1);
    expect(fx.procs[0]!.signals.map((s) => s.signal).slice(0, 2)).toEqual(["SIGTERM", "SIGKILL"]);
  });
});
