import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunStore } from "./runs.ts";

let dir = "";
let path = "";
let store: RunStore;
const T0 = Date.UTC(2030, 0, 1, 8);
const job = { jobId: "job-a", jobPath: "jobs/a.md" };
const scheduled = (scheduledFor: number, now = scheduledFor) => ({
  ...job,
  scheduledFor,
  trigger: "schedule" as const,
  now,
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "runner-runs-"));
  path = join(dir, "data", "runner.db");
  store = new RunStore(path);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("RunStore", () => {
  test("a scheduled slot is claimed once; the second claim gets null", () => {
    const run = store.claim(scheduled(T0));
    expect(run).toMatchObject({ ...job, scheduledFor: T0, status: "running", startedAt: T0, reason: null });
    expect(run!.id).toMatch(/^run_[a-z2-7]{26}$/);
    expect(store.claim({ ...scheduled(T0, T0 + 5), trigger: "catch-up" })).toBeNull();
    expect(store.claim({ ...scheduled(T0), jobId: "job-b" })).not.toBeNull();
    expect(store.list()).toHaveLength(2);
  });

  test("run-now has no slot and may run any number of times", () => {
    const a = store.claim({ ...job, scheduledFor: null, trigger: "manual", now: T0 });
    const b = store.claim({ ...job, scheduledFor: null, trigger: "manual", now: T0 + 1 });
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(a!.id).not.toBe(b!.id);
    expect(store.lastSlot("job-a")).toBeNull();
  });

  test("a skipped slot is recorded with its reason and cannot be claimed later", () => {
    store.claim(scheduled(T0));
    const skipped = store.skip({ ...job, scheduledFor: T0 + 60_000, now: T0 + 60_000, reason: "overlap" });
    expect(skipped).toMatchObject({ status: "skipped", reason: "overlap", finishedAt: T0 + 60_000 });
    expect(store.claim(scheduled(T0 + 60_000))).toBeNull();
    expect(store.skip({ ...job, scheduledFor: T0, now: T0 + 1, reason: "overlap" })).toBeNull();
    expect(store.lastSlot("job-a")).toBe(T0 + 60_000);
    expect(store.lastSlot("job-b")).toBeNull();
  });

  test("finish records the outcome once; a later finish does not overwrite it", () => {
    const run = store.claim(scheduled(T0))!;
    store.finish(run.id, {
      status: "succeeded",
      outputPath: "jobs/runs/a/2030-01-01",
      costUsd: 0.0123,
      turns: 4,
      now: T0 + 90_000,
    });
    store.finish(run.id, { status: "failed", reason: "timeout", now: T0 + 99_000 });
    expect(store.list()[0]).toEqual({
      ...run,
      status: "succeeded",
      finishedAt: T0 + 90_000,
      outputPath: "jobs/runs/a/2030-01-01",
      costUsd: 0.0123,
      turns: 4,
      durationMs: 90_000,
    });
    expect(store.running()).toEqual([]);
  });

  test("a failure keeps its reason, error and the duration given", () => {
    const run = store.claim(scheduled(T0))!;
    store.finish(run.id, {
      status: "failed",
      reason: "exit 3",
      error: "boom",
      durationMs: 1234,
      now: T0 + 2000,
    });
    expect(store.list()[0]).toMatchObject({
      status: "failed",
      reason: "exit 3",
      error: "boom",
      durationMs: 1234,
    });
  });

  test("list is newest first and honours since, limit and jobId", () => {
    for (let i = 0; i < 5; i++) store.claim(scheduled(T0 + i * 1000));
    store.claim({ ...scheduled(T0 + 2500), jobId: "job-b" });
    const slots = (runs: { scheduledFor: number | null }[]) => runs.map((r) => r.scheduledFor);
    expect(slots(store.list())).toEqual([4000, 3000, 2500, 2000, 1000, 0].map((d) => T0 + d));
    expect(slots(store.list({ since: T0 + 2500 }))).toEqual([4000, 3000, 2500].map((d) => T0 + d));
    expect(slots(store.list({ limit: 2 }))).toEqual([T0 + 4000, T0 + 3000]);
    expect(slots(store.list({ jobId: "job-b" }))).toEqual([T0 + 2500]);
    for (const limit of [0, 501, 1.5]) expect(() => store.list({ limit })).toThrow(RangeError);
  });

  test("runs started in the same millisecond list in the order they were recorded, newest first", () => {
    const ids = [1, 2, 3].map((i) => store.claim({ ...scheduled(T0 + i), now: T0 })!.id);
    expect(store.list().map((r) => r.id)).toEqual(ids.reverse());
  });

  test("running lists the runs still going, of all jobs or one", () => {
    const a = store.claim(scheduled(T0))!;
    const b = store.claim({ ...scheduled(T0 + 1), jobId: "job-b" })!;
    store.claim(scheduled(T0 + 2));
    store.finish(store.running("job-a")[1]!.id, { status: "succeeded", now: T0 + 3 });
    expect(store.running().map((r) => r.id)).toEqual([a.id, b.id]);
    expect(store.running("job-b").map((r) => r.id)).toEqual([b.id]);
  });

  test("interruptAll fails every running run as interrupted and leaves finished ones", () => {
    const a = store.claim(scheduled(T0))!;
    store.claim(scheduled(T0 + 1000));
    store.claim({ ...job, scheduledFor: null, trigger: "manual", now: T0 + 2000 });
    store.finish(a.id, { status: "succeeded", now: T0 + 500 });
    expect(store.interruptAll(T0 + 10_000)).toBe(2);
    expect(store.running()).toEqual([]);
    const [manual, second, first] = store.list();
    expect(manual).toMatchObject({ status: "failed", reason: "interrupted", finishedAt: T0 + 10_000 });
    expect(second).toMatchObject({ status: "failed", reason: "interrupted", durationMs: 9000 });
    expect(first).toMatchObject({ status: "succeeded" });
    expect(store.interruptAll(T0 + 20_000)).toBe(0);
  });

  test("rows survive closing and reopening, and the slot stays taken", () => {
    const run = store.claim(scheduled(T0))!;
    store.close();
    store = new RunStore(path);
    expect(store.running()).toEqual([run]);
    expect(store.claim(scheduled(T0))).toBeNull();
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  test("two stores on one file: exactly one claim of a slot wins", () => {
    const other = new RunStore(path);
    try {
      const wins = [store.claim(scheduled(T0)), other.claim(scheduled(T0))].filter((r) => r !== null);
      expect(wins).toHaveLength(1);
      expect(other.list()).toHaveLength(1);
    } finally {
      other.close();
    }
  });

  test("processes racing on one file: exactly one claim of a slot wins", async () => {
    // Each racer opens the store and says ready; all are released together by one line on stdin.
    const script = `
      import { RunStore } from ${JSON.stringify(join(import.meta.dir, "runs.ts"))};
      const store = new RunStore(process.argv[1]);
      console.log("ready");
      for await (const _ of console) break;
      const run = store.claim({ jobId: "job-a", jobPath: "jobs/a.md", scheduledFor: ${T0}, trigger: "schedule", now: ${T0} });
      console.log(run ? "won" : "lost");
      store.close();`;
    const racers = Array.from({ length: 6 }, () =>
      Bun.spawn([process.execPath, "-e", script, path], { stdin: "pipe", stdout: "pipe", stderr: "inherit" }),
    );
    const readers = racers.map((p) => lines(p.stdout));
    for (const r of readers) expect((await r.next()).value).toBe("ready");
    for (const p of racers) {
      p.stdin.write("go\n");
      p.stdin.end();
    }
    const results = await Promise.all(readers.map(async (r) => (await r.next()).value));
    expect(await Promise.all(racers.map((p) => p.exited))).toEqual(racers.map(() => 0));
    expect(results.filter((x) => x === "won")).toHaveLength(1);
    expect(results.filter((x) => x === "lost")).toHaveLength(racers.length - 1);
    expect(store.list()).toHaveLength(1);
  });

  test("a file that is not a database is refused with its path, and left alone", () => {
    const bad = join(dir, "bad.db");
    writeFileSync(bad, "not sqlite at all, just text that is long enough to look like a header");
    expect(() => new RunStore(bad)).toThrow(bad);
    expect(Bun.file(bad).size).toBe(70);
  });
});

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    buffered += decoder.decode(chunk.value, { stream: true });
    for (let i = buffered.indexOf("\n"); i >= 0; i = buffered.indexOf("\n")) {
      yield buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
    }
  }
}
