import { describe, expect, test } from "bun:test";
import {
  type Effect,
  type Event,
  initialState,
  type ModuleState,
  publicState,
  type TimerName,
  transition,
} from "./machine.ts";
import { backoffDelay, crashesInWindow, DEFAULT_POLICY, type Policy } from "./restart-policy.ts";

const half = () => 0.5;

function step(s: ModuleState, e: Event, now: number): [ModuleState, Effect[]] {
  return transition(s, e, { now, random: half, policy: DEFAULT_POLICY });
}

const timerMs = (effects: Effect[], name: TimerName): number | undefined =>
  effects.find((e): e is Extract<Effect, { type: "set-timer" }> => e.type === "set-timer" && e.name === name)
    ?.ms;
const spawns = (effects: Effect[]) => effects.some((e) => e.type === "spawn");
const signals = (effects: Effect[]) => effects.flatMap((e) => (e.type === "signal" ? [e.signal] : []));

/** Started, spawned with `pid` and ready at `now`. */
function running(now = 0, pid = 100): ModuleState {
  let [s] = step(initialState(), { type: "start" }, now);
  [s] = step(s, { type: "spawned", pid }, now);
  [s] = step(s, { type: "ready" }, now);
  return s;
}

/** Crashes a running module at `now`; returns the state after the crash and the backoff delay (if any). */
function crash(s: ModuleState, now: number, code = 1): [ModuleState, number | undefined] {
  const [next, effects] = step(s, { type: "exited", code, signal: null }, now);
  return [next, timerMs(effects, "backoff")];
}

/** Lets the backoff timer fire at `now` and brings the new process up. */
function respawn(s: ModuleState, now: number): ModuleState {
  const [starting, effects] = step(s, { type: "timer", name: "backoff" }, now);
  expect(spawns(effects)).toBe(true);
  let [next] = step(starting, { type: "spawned", pid: 200 }, now);
  [next] = step(next, { type: "ready" }, now);
  return next;
}

describe("transition", () => {
  test("wait-for: wanted up and pending while a dependency is missing; start then spawns; stop forgets it", () => {
    const [waiting, none] = step(initialState(), { type: "wait-for", dependency: "vault" }, 0);
    expect(waiting).toMatchObject({ wanted: true, phase: "stopped", waitingFor: "vault" });
    expect(publicState(waiting)).toBe("pending");
    expect(none).toEqual([]);
    const [started, effects] = step(waiting, { type: "start" }, 5);
    expect(started).toMatchObject({ phase: "starting", waitingFor: null });
    expect(spawns(effects)).toBe(true);
    const [stopped] = step(waiting, { type: "stop" }, 5);
    expect(stopped).toMatchObject({ wanted: false, waitingFor: null });
    expect(publicState(stopped)).toBe("inactive");
  });

  test("wait-for leaves a module that is already starting or running alone", () => {
    const s = running();
    expect(step(s, { type: "wait-for", dependency: "vault" }, 1)[0]).toEqual(s);
  });

  test("unrunnable: failing with the reason and no retry timer; a manual start tries again", () => {
    const [s, effects] = step(initialState(), { type: "unrunnable", reason: "no manifest" }, 0);
    expect(s).toMatchObject({ wanted: true, phase: "failed", reason: "no manifest" });
    expect(publicState(s)).toBe("failing");
    expect(timerMs(effects, "retry")).toBeUndefined();
    expect(spawns(step(s, { type: "start" }, 1)[1])).toBe(true);
  });

  test("start spawns and arms the start timeout", () => {
    const [s, effects] = step(initialState(), { type: "start" }, 1000);
    expect(s).toMatchObject({ wanted: true, phase: "starting", startedAt: 1000 });
    expect(publicState(s)).toBe("pending");
    expect(spawns(effects)).toBe(true);
    expect(timerMs(effects, "start-timeout")).toBe(DEFAULT_POLICY.startTimeoutMs);
  });

  test("spawned records the pid and probes health", () => {
    const [started] = step(initialState(), { type: "start" }, 0);
    const [s, effects] = step(started, { type: "spawned", pid: 4242 }, 10);
    expect(s.pid).toBe(4242);
    expect(effects).toEqual([{ type: "probe-health" }]);
  });

  test("ready makes the module active and arms the healthy timer", () => {
    let [s] = step(initialState(), { type: "start" }, 0);
    [s] = step(s, { type: "spawned", pid: 100 }, 0);
    const [ready, effects] = step(s, { type: "ready" }, 500);
    expect(ready).toMatchObject({ phase: "running", ready: true, readyAt: 500, reason: null });
    expect(publicState(ready)).toBe("active");
    expect(effects).toContainEqual({ type: "clear-timer", name: "start-timeout" });
    expect(timerMs(effects, "healthy")).toBe(DEFAULT_POLICY.healthyResetMs);
  });

  test("an exit while running restarts at once", () => {
    const [s, effects] = step(running(), { type: "exited", code: 3, signal: null }, 1000);
    expect(s).toMatchObject({
      phase: "backoff",
      pid: null,
      ready: false,
      consecutive: 1,
      lastExit: "exit code 3",
    });
    expect(publicState(s)).toBe("pending");
    expect(s.reason).toContain("exit code 3");
    expect(timerMs(effects, "backoff")).toBe(0);
    expect(spawns(effects)).toBe(false);
  });

  test("an exit by signal is described by the signal", () => {
    const [s] = step(running(), { type: "exited", code: null, signal: "SIGSEGV" }, 1000);
    expect(s.reason).toContain("signal SIGSEGV");
  });

  test("the backoff timer spawns again and counts a restart", () => {
    const [s] = crash(running(), 1000);
    const [next, effects] = step(s, { type: "timer", name: "backoff" }, 1000);
    expect(next).toMatchObject({ phase: "starting", restarts: 1 });
    expect(spawns(effects)).toBe(true);
  });

  test("consecutive crashes double the backoff up to 30 s", () => {
    let s = running();
    const delays: (number | undefined)[] = [];
    for (let i = 1; i <= 11; i++) {
      const now = i * 31_000;
      let ms: number | undefined;
      [s, ms] = crash(s, now);
      delays.push(ms);
      expect(s.phase).toBe("backoff");
      s = respawn(s, now);
    }
    expect(delays).toEqual([0, 250, 500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  test("five crashes within 120 s fail the module and schedule a retry", () => {
    let s = running();
    for (let i = 1; i <= 4; i++) {
      [s] = crash(s, i * 1000);
      expect(s.phase).toBe("backoff");
      s = respawn(s, i * 1000);
    }
    const [failed, effects] = step(s, { type: "exited", code: 7, signal: null }, 5000);
    expect(failed).toMatchObject({ phase: "failed", wanted: true, pid: null });
    expect(publicState(failed)).toBe("failing");
    expect(failed.reason).toContain("5 times in 120 s");
    expect(failed.reason).toContain("exit code 7");
    expect(timerMs(effects, "retry")).toBe(5 * 60_000);
    expect(timerMs(effects, "backoff")).toBeUndefined();
  });

  test("crashes more than 120 s apart never fail the module", () => {
    let s = running();
    for (let i = 1; i <= 12; i++) {
      [s] = crash(s, i * 121_000);
      expect(s.phase).toBe("backoff");
      expect(s.crashTimes).toEqual([i * 121_000]);
      s = respawn(s, i * 121_000);
    }
  });

  test("a manual start from failed spawns again with a fresh crash window", () => {
    let s = running();
    for (let i = 1; i <= 5; i++) {
      [s] = crash(s, i);
      if (i < 5) s = respawn(s, i);
    }
    expect(s.phase).toBe("failed");
    const [started, effects] = step(s, { type: "start" }, 10);
    expect(started).toMatchObject({ phase: "starting", crashTimes: [], consecutive: 0 });
    expect(spawns(effects)).toBe(true);
    let [up] = step(started, { type: "spawned", pid: 300 }, 10);
    [up] = step(up, { type: "ready" }, 10);
    const [after, ms] = crash(up, 20);
    expect(after.phase).toBe("backoff");
    expect(ms).toBe(0);
  });

  test("not ready within the start timeout: SIGTERM, grace, then failing", () => {
    let [s] = step(initialState(), { type: "start" }, 0);
    [s] = step(s, { type: "spawned", pid: 100 }, 0);
    const [stopping, effects] = step(s, { type: "timer", name: "start-timeout" }, 15_000);
    expect(stopping.phase).toBe("stopping");
    expect(signals(effects)).toEqual(["SIGTERM"]);
    expect(timerMs(effects, "grace")).toBe(DEFAULT_POLICY.stopGraceMs);
    const [failed, after] = step(stopping, { type: "exited", code: null, signal: "SIGTERM" }, 15_100);
    expect(failed.phase).toBe("failed");
    expect(publicState(failed)).toBe("failing");
    expect(failed.reason).toBe(`did not become ready within ${DEFAULT_POLICY.startTimeoutMs} ms`);
    expect(timerMs(after, "retry")).toBe(DEFAULT_POLICY.retryFailedMs);
  });

  test("a module being killed for missing its start timeout already shows as failing, not inactive", () => {
    let [s] = step(initialState(), { type: "start" }, 0);
    [s] = step(s, { type: "spawned", pid: 100 }, 0);
    const [stopping] = step(s, { type: "timer", name: "start-timeout" }, 15_000);
    expect(stopping.wanted).toBe(true);
    expect(publicState(stopping)).toBe("failing");
  });

  test("a start timeout before any pid fails at once", () => {
    const [s] = step(initialState(), { type: "start" }, 0);
    const [failed, effects] = step(s, { type: "timer", name: "start-timeout" }, 15_000);
    expect(failed.phase).toBe("failed");
    expect(signals(effects)).toEqual([]);
  });

  test("a spawn failure fails the module with its reason", () => {
    const [s] = step(initialState(), { type: "start" }, 0);
    const [failed] = step(s, { type: "spawn-failed", reason: "port 1940 is used by nginx" }, 1);
    expect(publicState(failed)).toBe("failing");
    expect(failed.reason).toBe("port 1940 is used by nginx");
  });

  test("stop: SIGTERM and grace, SIGKILL when the grace runs out, inactive on exit", () => {
    const [stopping, effects] = step(running(), { type: "stop" }, 1000);
    expect(stopping).toMatchObject({ phase: "stopping", wanted: false });
    expect(publicState(stopping)).toBe("inactive");
    expect(signals(effects)).toEqual(["SIGTERM"]);
    expect(timerMs(effects, "grace")).toBe(DEFAULT_POLICY.stopGraceMs);

    const [stillStopping, kill] = step(stopping, { type: "timer", name: "grace" }, 11_000);
    expect(signals(kill)).toEqual(["SIGKILL"]);
    expect(stillStopping.phase).toBe("stopping");

    const [stopped, done] = step(stillStopping, { type: "exited", code: null, signal: "SIGKILL" }, 11_010);
    expect(stopped).toMatchObject({ phase: "stopped", pid: null, reason: "stopped" });
    expect(publicState(stopped)).toBe("inactive");
    expect(spawns(done)).toBe(false);
    expect(timerMs(done, "backoff")).toBeUndefined();
  });

  test("the grace timer does nothing once the process is gone", () => {
    const [stopping] = step(running(), { type: "stop" }, 0);
    const [stopped] = step(stopping, { type: "exited", code: 0, signal: null }, 1);
    expect(step(stopped, { type: "timer", name: "grace" }, 10_000)[1]).toEqual([]);
  });

  test("restart: stops, then spawns again after the exit and counts it", () => {
    const [stopping, effects] = step(running(), { type: "restart" }, 1000);
    expect(signals(effects)).toEqual(["SIGTERM"]);
    expect(publicState(stopping)).toBe("pending");
    const [starting, after] = step(stopping, { type: "exited", code: 0, signal: null }, 1100);
    expect(starting).toMatchObject({ phase: "starting", wanted: true, restarts: 1 });
    expect(spawns(after)).toBe(true);
    let [up] = step(starting, { type: "spawned", pid: 101 }, 1100);
    [up] = step(up, { type: "ready" }, 1200);
    [up] = step(up, { type: "restart" }, 2000);
    [up] = step(up, { type: "exited", code: 0, signal: null }, 2100);
    expect(up.restarts).toBe(2);
  });

  test("a healthy period forgets the backoff, so the next crash restarts at once", () => {
    let s = running();
    let ms: number | undefined;
    [s, ms] = crash(s, 1000);
    s = respawn(s, 1000);
    [s, ms] = crash(s, 2000);
    expect(ms).toBe(250);
    s = respawn(s, 2250);
    [s] = step(s, { type: "timer", name: "healthy" }, 62_250);
    expect(s.consecutive).toBe(0);
    [s, ms] = crash(s, 70_000);
    expect(ms).toBe(0);
  });

  test("unhealthy while running: stopped, then treated as a crash with that reason", () => {
    const [stopping, effects] = step(
      running(),
      { type: "unhealthy", reason: "memory 900 MB above 512 MB" },
      1000,
    );
    expect(stopping.phase).toBe("stopping");
    expect(publicState(stopping)).toBe("pending");
    expect(signals(effects)).toEqual(["SIGTERM"]);
    expect(timerMs(effects, "grace")).toBe(DEFAULT_POLICY.stopGraceMs);
    const [s, after] = step(stopping, { type: "exited", code: null, signal: "SIGTERM" }, 1100);
    expect(s).toMatchObject({ phase: "backoff", wanted: true, consecutive: 1, crashTimes: [1100] });
    expect(s.reason).toContain("memory 900 MB above 512 MB");
    expect(timerMs(after, "backoff")).toBe(0);
  });

  test("unhealthy is ignored when nothing is running", () => {
    const s = initialState();
    expect(step(s, { type: "unhealthy", reason: "x" }, 0)).toEqual([s, []]);
  });

  test("the retry timer spawns a failed module that is still wanted", () => {
    const [started] = step(initialState(), { type: "start" }, 0);
    const [failed] = step(started, { type: "spawn-failed", reason: "port taken" }, 1);
    const [s, effects] = step(failed, { type: "timer", name: "retry" }, 300_001);
    expect(s).toMatchObject({ phase: "starting", restarts: 1, crashTimes: [], consecutive: 0 });
    expect(spawns(effects)).toBe(true);
  });

  test("the retry timer leaves a module alone once it was stopped", () => {
    const [started] = step(initialState(), { type: "start" }, 0);
    const [failed] = step(started, { type: "spawn-failed", reason: "port taken" }, 1);
    const [stopped] = step(failed, { type: "stop" }, 2);
    expect(publicState(stopped)).toBe("inactive");
    expect(spawns(step(stopped, { type: "timer", name: "retry" }, 300_001)[1])).toBe(false);
  });

  test("a stale exit while stopped changes nothing", () => {
    const s = initialState();
    expect(step(s, { type: "exited", code: 1, signal: null }, 0)).toEqual([s, []]);
  });
});

describe("restart-policy", () => {
  const policy: Policy = DEFAULT_POLICY;

  test("the first restart is immediate, whatever the jitter", () => {
    expect(backoffDelay(policy, 1, () => 0)).toBe(0);
    expect(backoffDelay(policy, 1, () => 0.99)).toBe(0);
  });

  test("the delay doubles from the base and stays within ±20 % jitter", () => {
    for (let n = 2; n <= 8; n++) {
      const raw = policy.backoffBaseMs * 2 ** (n - 2);
      expect(backoffDelay(policy, n, half)).toBe(raw);
      for (const r of [0, 0.1, 0.37, 0.5, 0.83, 0.999]) {
        const ms = backoffDelay(policy, n, () => r);
        expect(ms).toBeGreaterThanOrEqual(Math.floor(raw * 0.8));
        expect(ms).toBeLessThanOrEqual(Math.ceil(raw * 1.2));
      }
    }
    expect(backoffDelay(policy, 2, () => 0)).toBe(200);
    expect(backoffDelay(policy, 2, () => 1)).toBe(300);
  });

  test("the delay never exceeds the cap", () => {
    for (const n of [9, 10, 20, 60]) {
      expect(backoffDelay(policy, n, () => 1)).toBe(policy.backoffCapMs);
      expect(backoffDelay(policy, n, () => 0)).toBeLessThanOrEqual(policy.backoffCapMs);
    }
  });

  test("crashesInWindow keeps only crashes younger than the window", () => {
    expect(crashesInWindow(policy, [0, 10_001, 50_000, 129_999], 130_000)).toEqual([10_001, 50_000, 129_999]);
    expect(crashesInWindow(policy, [10_000], 130_000)).toEqual([]);
    expect(crashesInWindow(policy, [], 130_000)).toEqual([]);
  });
});
