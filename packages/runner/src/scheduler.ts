import { nextFire } from "./core/cron.ts";
import { type Job, parseJob } from "./core/job.ts";
import type { VaultClient } from "./exec/vault-client.ts";
import type { Run, RunStore } from "./store/runs.ts";

interface SchedulerSettings {
  pollSeconds: number;
  concurrency: number;
  timeZone: string;
  extraTools: string[];
}

/** How many runs may wait for a place before more are turned away. */
const MAX_WAITING = 32;

export interface SchedulerDeps {
  vault: VaultClient;
  store: RunStore;
  execute: (job: Job, run: Run) => Promise<void>;
  settings: () => SchedulerSettings;
  now: () => number;
  log: (line: string) => void;
}

/** One job note as the schedule table holds it. */
interface Entry {
  id: string;
  path: string;
  job: Job | null;
  problems: string[];
  /** The next slot (ms), or null when it never fires on its own (manual, disabled, broken). */
  next: number | null;
}

export interface JobView {
  id: string;
  path: string;
  name: string | null;
  schedule: string | null;
  model: string | null;
  disabled: boolean;
  nextRun: string | null;
  problems: string[];
  lastRun: Run | null;
}

/**
 * The schedule table and its clock: polls the vault for job notes, fires each job when its slot
 * comes (reading the note again then, so an edit applies at once), catches up a slot missed while
 * the runner was down once within the job's window, and never runs a slot twice (the run store's
 * claim is unique per job and slot).
 */
export class Scheduler {
  private entries = new Map<string, Entry>();
  private active = 0;
  private waiting: (() => void)[] = [];
  private inFlight = new Set<Promise<void>>();
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private tickTimer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  private polled = false;

  constructor(private readonly deps: SchedulerDeps) {}

  /** Whether the table has been read from the vault at least once. */
  ready(): boolean {
    return this.polled;
  }

  start(): void {
    const interrupted = this.deps.store.interruptAll(this.deps.now());
    if (interrupted)
      this.deps.log(`${interrupted} run(s) cut short by the last stop are recorded as interrupted`);
    // Checked every second, so a new polling interval from the settings applies at once.
    let last = 0;
    const pollLoop = async () => {
      if (this.stopped) return;
      if (this.deps.now() - last >= this.deps.settings().pollSeconds * 1000) {
        last = this.deps.now();
        try {
          await this.poll();
        } catch (err) {
          this.deps.log(`could not read the job notes: ${(err as Error).message}`);
        }
      }
      if (!this.stopped) this.pollTimer = setTimeout(pollLoop, 1000);
    };
    void pollLoop();
    this.tickTimer = setInterval(() => this.tick(), 500);
  }

  /** Stops scheduling and waits for the runs under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.pollTimer);
    clearInterval(this.tickTimer);
    await Promise.allSettled([...this.inFlight]);
  }

  /** Reads every job note and refreshes the table; a job seen for the first time may be caught up. */
  async poll(): Promise<void> {
    const notes = await this.deps.vault.jobNotes();
    const now = this.deps.now();
    const tz = this.deps.settings().timeZone;
    const seen = new Set<string>();
    for (const note of notes) {
      seen.add(note.id);
      const parsed = parseJob(note, this.deps.settings());
      const old = this.entries.get(note.id);
      const job = parsed.job;
      const sameSchedule = old?.job && job && old.job.scheduleText === job.scheduleText && !old.job.disabled;
      let next = sameSchedule ? old.next : null;
      if (job && !job.disabled && !sameSchedule) {
        // Only a job known before the runner started can have missed a slot while it was down, and
        // never one from before its note was written.
        if (!old && !this.polled) this.catchUp(job, now, tz, Date.parse(note.created_at ?? "") || 0);
        next = nextFire(job.schedule, new Date(now), tz)?.getTime() ?? null;
      }
      if (!job || job.disabled) next = null;
      // Said once per change, so the module's log (the admin app shows it) names what to fix.
      const was = old?.problems.join("; ") ?? "";
      const is = parsed.problems.join("; ");
      if (is && is !== was) this.deps.log(`${note.path}: will not run: ${is}`);
      else if (!is && was) this.deps.log(`${note.path}: fixed, scheduled again`);
      this.entries.set(note.id, { id: note.id, path: note.path, job, problems: parsed.problems, next });
    }
    for (const id of this.entries.keys()) if (!seen.has(id)) this.entries.delete(id);
    this.polled = true;
  }

  /**
   * The latest slot within the job's catch-up window that has no run recorded, run once. Looked for
   * in growing windows back from now, each walked a bounded number of slots, so a schedule firing
   * every second with a week's window costs a minute's walk, not a week's.
   */
  private catchUp(job: Job, now: number, tz: string, since: number): void {
    if (job.catchUpMs <= 0) return;
    const earliest = Math.max(now - job.catchUpMs, since);
    let slot: number | null = null;
    for (const back of [60_000, 3_600_000, 86_400_000, job.catchUpMs]) {
      const from = Math.max(now - back, earliest);
      let t = nextFire(job.schedule, new Date(from), tz);
      for (let steps = 0; t && t.getTime() <= now && steps < 5_000; steps++) {
        slot = t.getTime();
        t = nextFire(job.schedule, t, tz);
      }
      if (slot !== null || from === earliest) break;
    }
    if (slot === null) return;
    const last = this.deps.store.lastSlot(job.id);
    if (last !== null && last >= slot) return;
    this.fire(job.id, slot, "catch-up");
  }

  /** Fires every job whose slot has come, and moves it to its next slot. */
  tick(): void {
    const now = this.deps.now();
    const tz = this.deps.settings().timeZone;
    for (const e of this.entries.values()) {
      if (e.next === null || e.next > now || !e.job) continue;
      const slot = e.next;
      try {
        e.next = nextFire(e.job.schedule, new Date(Math.max(slot, now)), tz)?.getTime() ?? null;
      } catch (err) {
        e.next = null;
        this.deps.log(`${e.path}: cannot be scheduled: ${(err as Error).message}`);
      }
      this.fire(e.id, slot, "schedule");
    }
  }

  /** Runs a job now, outside its schedule. Refused (null) for an unknown or broken job. */
  async runNow(id: string): Promise<{ run: Run } | { problems: string[] } | null> {
    const note = await this.deps.vault.note(id);
    if (!note?.tags.includes("job")) return null;
    const { job, problems } = parseJob(note, this.deps.settings());
    if (!job) return { problems };
    const run = this.deps.store.claim({
      jobId: job.id,
      jobPath: job.path,
      scheduledFor: null,
      trigger: "manual",
      now: this.deps.now(),
    })!;
    this.track(this.runClaimed(job, run));
    return { run };
  }

  private fire(id: string, slot: number, trigger: "schedule" | "catch-up"): void {
    this.track(
      (async () => {
        // The note as it is now: an edit since the last poll applies to this run. A vault that
        // cannot be asked fails the slot, on the record, rather than losing it without a trace.
        let note: Awaited<ReturnType<VaultClient["note"]>>;
        try {
          note = await this.deps.vault.note(id);
        } catch (err) {
          const path = this.entries.get(id)?.path ?? id;
          const now = this.deps.now();
          const run = this.deps.store.claim({ jobId: id, jobPath: path, scheduledFor: slot, trigger, now });
          const error = (err as Error).message;
          if (run)
            this.deps.store.finish(run.id, { status: "failed", reason: "vault unreachable", error, now });
          this.deps.log(`${path}: not run: ${error}`);
          return;
        }
        const parsed = note?.tags.includes("job") ? parseJob(note, this.deps.settings()) : null;
        const job = parsed?.job;
        if (!job || job.disabled) {
          if (parsed?.problems.length) this.deps.log(`${note?.path}: not run: ${parsed.problems.join("; ")}`);
          return;
        }
        const now = this.deps.now();
        if (this.busy()) {
          this.deps.store.skip({ jobId: job.id, jobPath: job.path, scheduledFor: slot, now, reason: "busy" });
          this.deps.log(`${job.path}: skipped (${MAX_WAITING} runs already wait for a place)`);
          return;
        }
        if (job.overlap === "skip" && this.deps.store.running(job.id).length) {
          this.deps.store.skip({
            jobId: job.id,
            jobPath: job.path,
            scheduledFor: slot,
            now,
            reason: "overlap",
          });
          this.deps.log(`${job.path}: skipped (the last run is still going)`);
          return;
        }
        const run = this.deps.store.claim({
          jobId: job.id,
          jobPath: job.path,
          scheduledFor: slot,
          trigger,
          now,
        });
        if (run) await this.runClaimed(job, run);
      })().catch((err) => this.deps.log(`job ${id}: ${(err as Error).message}`)),
    );
  }

  private async runClaimed(job: Job, run: Run): Promise<void> {
    while (this.active >= this.deps.settings().concurrency)
      await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      await this.deps.execute(job, run);
    } catch (err) {
      const error = (err as Error).message;
      this.deps.store.finish(run.id, {
        status: "failed",
        reason: "runner error",
        error,
        now: this.deps.now(),
      });
      this.deps.log(`${job.path}: run ${run.id} failed in the runner: ${error}`);
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** Whether runs already wait for a place: more are recorded as skipped (scheduled) or refused (run-now). */
  busy(): boolean {
    return this.waiting.length >= MAX_WAITING;
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** The table as the admin API shows it. */
  jobs(): JobView[] {
    return [...this.entries.values()].map((e) => ({
      id: e.id,
      path: e.path,
      name: e.job?.name ?? e.path.split("/").pop() ?? null,
      schedule: e.job?.scheduleText ?? null,
      model: e.job?.model ?? null,
      disabled: e.job?.disabled ?? false,
      nextRun: e.next === null ? null : new Date(e.next).toISOString(),
      problems: e.problems,
      lastRun: this.deps.store.list({ jobId: e.id, limit: 1 })[0] ?? null,
    }));
  }
}
