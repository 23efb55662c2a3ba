import type { PublicState } from "../api-types.ts";
import { backoffDelay, crashesInWindow, type Policy } from "./restart-policy.ts";

/** What the process is doing, as observed. */
type Phase = "stopped" | "starting" | "running" | "backoff" | "stopping" | "failed";

export type TimerName = "start-timeout" | "backoff" | "grace" | "retry" | "healthy";

/** What happens once a stopping process has exited. */
type AfterStop = "stop" | "start" | "fail" | "crash";

/**
 * One module's supervision record. `wanted` (desired), `phase` (observed) and `ready` are kept
 * apart: a module can be wanted up and backing off, or running but not yet ready.
 */
export interface ModuleState {
  wanted: boolean;
  phase: Phase;
  ready: boolean;
  pid: number | null;
  reason: string | null;
  restarts: number;
  consecutive: number;
  crashTimes: number[];
  startedAt: number | null;
  readyAt: number | null;
  lastExit: string | null;
  after: AfterStop;
  /** The module it waits for to be active before it can start (wanted up, still stopped). */
  waitingFor: string | null;
}

export type Event =
  | { type: "start" }
  | { type: "wait-for"; dependency: string }
  | { type: "unrunnable"; reason: string }
  | { type: "stop" }
  | { type: "restart" }
  | { type: "spawned"; pid: number }
  | { type: "spawn-failed"; reason: string }
  | { type: "ready" }
  | { type: "exited"; code: number | null; signal: string | null }
  | { type: "unhealthy"; reason: string }
  | { type: "timer"; name: TimerName };

export type Effect =
  | { type: "spawn" }
  | { type: "probe-health" }
  | { type: "signal"; signal: "SIGTERM" | "SIGKILL" }
  | { type: "set-timer"; name: TimerName; ms: number }
  | { type: "clear-timer"; name: TimerName };

export interface Context {
  now: number;
  random: () => number;
  policy: Policy;
}

export function initialState(): ModuleState {
  return {
    wanted: false,
    phase: "stopped",
    ready: false,
    pid: null,
    reason: "never started",
    restarts: 0,
    consecutive: 0,
    crashTimes: [],
    startedAt: null,
    readyAt: null,
    lastExit: null,
    after: "stop",
    waitingFor: null,
  };
}

/** Maps the internal record onto the public vocabulary. */
export function publicState(s: ModuleState): PublicState {
  if (s.phase === "running" && s.ready) return "active";
  if (s.phase === "failed") return "failing";
  if (s.phase === "stopped") return s.wanted && s.waitingFor !== null ? "pending" : "inactive";
  if (s.phase === "stopping") {
    if (s.after === "fail") return "failing";
    return s.after === "start" || s.after === "crash" ? "pending" : "inactive";
  }
  return "pending";
}

const ALL_TIMERS: TimerName[] = ["start-timeout", "backoff", "grace", "retry", "healthy"];
const clearAll = (): Effect[] => ALL_TIMERS.map((name) => ({ type: "clear-timer", name }));
const alive = (s: ModuleState) => s.phase === "starting" || s.phase === "running";

function describeExit(code: number | null, signal: string | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

function spawnNow(s: ModuleState, ctx: Context): [ModuleState, Effect[]] {
  return [
    {
      ...s,
      wanted: true,
      phase: "starting",
      ready: false,
      pid: null,
      startedAt: ctx.now,
      readyAt: null,
      after: "stop",
      waitingFor: null,
    },
    [
      ...clearAll(),
      { type: "spawn" },
      { type: "set-timer", name: "start-timeout", ms: ctx.policy.startTimeoutMs },
    ],
  ];
}

function beginStop(
  s: ModuleState,
  after: AfterStop,
  reason: string | null,
  ctx: Context,
): [ModuleState, Effect[]] {
  return [
    { ...s, phase: "stopping", ready: false, after, reason: reason ?? s.reason },
    [
      ...clearAll(),
      { type: "signal", signal: "SIGTERM" },
      { type: "set-timer", name: "grace", ms: ctx.policy.stopGraceMs },
    ],
  ];
}

function fail(s: ModuleState, reason: string, ctx: Context): [ModuleState, Effect[]] {
  return [
    { ...s, phase: "failed", ready: false, pid: null, reason },
    [...clearAll(), { type: "set-timer", name: "retry", ms: ctx.policy.retryFailedMs }],
  ];
}

function crashed(s: ModuleState, why: string, ctx: Context): [ModuleState, Effect[]] {
  const crashTimes = [...crashesInWindow(ctx.policy, s.crashTimes, ctx.now), ctx.now];
  const next = { ...s, pid: null, ready: false, crashTimes, lastExit: why };
  if (crashTimes.length >= ctx.policy.crashBudget) {
    const secs = Math.round(ctx.policy.crashWindowMs / 1000);
    return fail(next, `crashed ${crashTimes.length} times in ${secs} s; last: ${why}`, ctx);
  }
  const consecutive = s.consecutive + 1;
  const ms = backoffDelay(ctx.policy, consecutive, ctx.random);
  return [
    { ...next, phase: "backoff", consecutive, reason: `restarting after ${why}` },
    [...clearAll(), { type: "set-timer", name: "backoff", ms }],
  ];
}

/**
 * The supervisor as a pure function: (state, event) → (state, effects). A thin loop performs the
 * effects (spawn, signal, timers) and feeds their outcomes back as events.
 */
export function transition(s: ModuleState, e: Event, ctx: Context): [ModuleState, Effect[]] {
  switch (e.type) {
    case "start":
      if (alive(s)) return [{ ...s, wanted: true }, []];
      if (s.phase === "stopping") return [{ ...s, wanted: true, after: "start" }, []];
      return spawnNow({ ...s, crashTimes: s.phase === "failed" ? [] : s.crashTimes, consecutive: 0 }, ctx);

    case "wait-for":
      if (s.phase !== "stopped") return [s, []];
      return [{ ...s, wanted: true, waitingFor: e.dependency }, []];

    case "unrunnable":
      if (alive(s) || s.phase === "stopping") return [s, []];
      return [{ ...s, wanted: true, phase: "failed", ready: false, pid: null, reason: e.reason }, clearAll()];

    case "stop": {
      const t = { ...s, wanted: false, waitingFor: null };
      if (alive(s)) return beginStop(t, "stop", "stopped", ctx);
      if (s.phase === "stopping") return [{ ...t, after: "stop", reason: "stopped" }, []];
      return [{ ...t, phase: "stopped", ready: false, reason: "stopped" }, clearAll()];
    }

    case "restart":
      // An operator's restart is a fresh start: the crash window and backoff are forgotten.
      if (alive(s))
        return beginStop({ ...s, wanted: true, consecutive: 0, crashTimes: [] }, "start", "restarting", ctx);
      if (s.phase === "stopping") return [{ ...s, wanted: true, after: "start" }, []];
      return spawnNow({ ...s, crashTimes: [], consecutive: 0 }, ctx);

    case "spawned":
      if (s.phase !== "starting") return [s, []];
      return [{ ...s, pid: e.pid }, [{ type: "probe-health" }]];

    case "spawn-failed":
      if (s.phase !== "starting") return [s, []];
      return fail(s, e.reason, ctx);

    case "ready":
      if (s.phase !== "starting") return [s, []];
      return [
        { ...s, phase: "running", ready: true, readyAt: ctx.now, reason: null },
        [
          { type: "clear-timer", name: "start-timeout" },
          { type: "set-timer", name: "healthy", ms: ctx.policy.healthyResetMs },
        ],
      ];

    case "exited": {
      const why = describeExit(e.code, e.signal);
      if (s.phase === "stopping") {
        const done = { ...s, pid: null, lastExit: why };
        if (s.after === "start") return spawnNow({ ...done, restarts: s.restarts + 1 }, ctx);
        if (s.after === "fail") return fail(done, s.reason ?? why, ctx);
        if (s.after === "crash") return crashed(s, s.reason ?? why, ctx);
        return [{ ...done, phase: "stopped", ready: false, reason: "stopped" }, clearAll()];
      }
      if (!alive(s)) return [s, []];
      return crashed(s, why, ctx);
    }

    case "unhealthy":
      if (!alive(s)) return [s, []];
      return beginStop(s, "crash", e.reason, ctx);

    case "timer":
      return onTimer(s, e.name, ctx);
  }
}

function onTimer(s: ModuleState, name: TimerName, ctx: Context): [ModuleState, Effect[]] {
  switch (name) {
    case "start-timeout":
      if (s.phase !== "starting") return [s, []];
      if (s.pid === null) return fail(s, "the process could not be started", ctx);
      return beginStop(s, "fail", `did not become ready within ${ctx.policy.startTimeoutMs} ms`, ctx);
    case "backoff":
      if (s.phase !== "backoff" || !s.wanted) return [s, []];
      return spawnNow({ ...s, restarts: s.restarts + 1 }, ctx);
    case "grace":
      if (s.phase !== "stopping") return [s, []];
      return [s, [{ type: "signal", signal: "SIGKILL" }]];
    case "retry":
      if (s.phase !== "failed" || !s.wanted) return [s, []];
      return spawnNow({ ...s, crashTimes: [], consecutive: 0, restarts: s.restarts + 1 }, ctx);
    case "healthy":
      if (s.phase !== "running") return [s, []];
      return [{ ...s, consecutive: 0 }, []];
  }
}
