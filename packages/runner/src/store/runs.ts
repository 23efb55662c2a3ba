import { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

export type RunStatus = "running" | "succeeded" | "failed" | "skipped";
export type RunTrigger = "schedule" | "catch-up" | "manual";

/** One run of a job, as recorded. Times are epoch milliseconds. */
export interface Run {
  id: string;
  jobId: string;
  jobPath: string;
  /** The schedule slot this run is for; null for run-now. */
  scheduledFor: number | null;
  trigger: RunTrigger;
  status: RunStatus;
  /** Why a run failed or was skipped: `timeout`, `exit 3`, `empty output`, `template`, `overlap`, `interrupted`. */
  reason: string | null;
  startedAt: number;
  finishedAt: number | null;
  outputPath: string | null;
  costUsd: number | null;
  turns: number | null;
  durationMs: number | null;
  error: string | null;
}

export interface RunOutcome {
  status: "succeeded" | "failed";
  reason?: string;
  outputPath?: string;
  costUsd?: number;
  turns?: number;
  /** Defaults to the time since the run started. */
  durationMs?: number;
  error?: string;
  now: number;
}

const MIGRATIONS = [
  `CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    job_path TEXT NOT NULL,
    scheduled_for INTEGER,
    trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'catch-up', 'manual')),
    status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
    reason TEXT,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    output_path TEXT,
    cost_usd REAL,
    turns INTEGER,
    duration_ms INTEGER,
    error TEXT
  );
  CREATE UNIQUE INDEX runs_slot ON runs (job_id, scheduled_for);
  CREATE INDEX runs_started ON runs (started_at);
  CREATE INDEX runs_job_started ON runs (job_id, started_at);
  CREATE INDEX runs_running ON runs (status) WHERE status = 'running';`,
];

const COLUMNS = `id, job_id AS jobId, job_path AS jobPath, scheduled_for AS scheduledFor, trigger, status, reason,
  started_at AS startedAt, finished_at AS finishedAt, output_path AS outputPath, cost_usd AS costUsd, turns,
  duration_ms AS durationMs, error`;

/**
 * Durable run records in the runner's own SQLite file. A scheduled slot holds at most one row
 * (UNIQUE (job_id, scheduled_for)), which is what keeps a restart or a second runner from running it
 * twice; run-now rows have no slot and are not constrained.
 */
export class RunStore {
  readonly #db: Database;

  constructor(path: string) {
    this.#db = openRunsDb(path);
  }

  close(): void {
    this.#db.close();
  }

  /** Records a running run for the slot; null when that (job, slot) already has a row. */
  claim(r: {
    jobId: string;
    jobPath: string;
    scheduledFor: number | null;
    trigger: RunTrigger;
    now: number;
  }): Run | null {
    return this.#insert(r.jobId, r.jobPath, r.scheduledFor, r.trigger, "running", null, r.now, null);
  }

  /** Records a skipped slot (it then counts as taken); null when that (job, slot) already has a row. */
  skip(r: {
    jobId: string;
    jobPath: string;
    scheduledFor: number | null;
    now: number;
    reason: string;
    trigger?: RunTrigger;
  }): Run | null {
    const trigger = r.trigger ?? "schedule";
    return this.#insert(r.jobId, r.jobPath, r.scheduledFor, trigger, "skipped", r.reason, r.now, r.now);
  }

  /** Records how a running run ended; a run that is no longer running is left as it is. */
  finish(id: string, o: RunOutcome): void {
    this.#db
      .query(
        `UPDATE runs SET status = $status, reason = $reason, finished_at = $now, output_path = $outputPath,
           cost_usd = $costUsd, turns = $turns, duration_ms = COALESCE($durationMs, $now - started_at),
           error = $error
         WHERE id = $id AND status = 'running'`,
      )
      .run({
        id,
        status: o.status,
        reason: o.reason ?? null,
        now: o.now,
        outputPath: o.outputPath ?? null,
        costUsd: o.costUsd ?? null,
        turns: o.turns ?? null,
        durationMs: o.durationMs ?? null,
        error: o.error ?? null,
      });
  }

  /** Runs still going, oldest first; of one job when `jobId` is given. */
  running(jobId?: string): Run[] {
    return this.#db
      .query(
        `SELECT ${COLUMNS} FROM runs WHERE status = 'running' AND ($jobId IS NULL OR job_id = $jobId)
         ORDER BY started_at, rowid`,
      )
      .all({ jobId: jobId ?? null }) as Run[];
  }

  /** The latest schedule slot recorded for the job (run, running or skipped), or null. */
  lastSlot(jobId: string): number | null {
    const row = this.#db.query("SELECT MAX(scheduled_for) AS slot FROM runs WHERE job_id = ?").get(jobId) as {
      slot: number | null;
    };
    return row.slot;
  }

  /** Runs newest first: started at or after `since`, of one job, at most `limit` (1..500, default 50). */
  list(q: { since?: number; limit?: number; jobId?: string } = {}): Run[] {
    const limit = q.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new RangeError(`limit must be an integer from 1 to 500, not ${limit}`);
    }
    // One job's runs through its index, not a scan of every run (the jobs list asks once per job).
    const byJob = q.jobId === undefined ? "" : "AND job_id = $jobId";
    return this.#db
      .query(
        `SELECT ${COLUMNS} FROM runs
         WHERE ($since IS NULL OR started_at >= $since) ${byJob}
         ORDER BY started_at DESC, rowid DESC LIMIT $limit`,
      )
      .all({ since: q.since ?? null, limit, ...(q.jobId === undefined ? {} : { jobId: q.jobId }) }) as Run[];
  }

  /** Marks every running run failed with reason `interrupted`; for start-up after a crash. */
  interruptAll(now: number): number {
    return this.#db
      .query(
        `UPDATE runs SET status = 'failed', reason = 'interrupted', finished_at = $now,
           duration_ms = $now - started_at
         WHERE status = 'running'`,
      )
      .run({ now }).changes;
  }

  #insert(
    jobId: string,
    jobPath: string,
    scheduledFor: number | null,
    trigger: RunTrigger,
    status: RunStatus,
    reason: string | null,
    now: number,
    finishedAt: number | null,
  ): Run | null {
    const row = this.#db
      .query(
        `INSERT OR IGNORE INTO runs (id, job_id, job_path, scheduled_for, trigger, status, reason, started_at,
           finished_at, duration_ms)
         VALUES ($id, $jobId, $jobPath, $scheduledFor, $trigger, $status, $reason, $now, $finishedAt,
           $durationMs)
         RETURNING ${COLUMNS}`,
      )
      .get({
        id: newRunId(),
        jobId,
        jobPath,
        scheduledFor,
        trigger,
        status,
        reason,
        now,
        finishedAt,
        durationMs: finishedAt === null ? null : finishedAt - now,
      }) as Run | null;
    return row ?? null;
  }
}

/** `run_` and 26 base32 characters (130 random bits). */
function newRunId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let id = "run_";
  // 256 is a multiple of 32, so `byte & 31` is uniform.
  for (const byte of randomBytes(26)) id += alphabet[byte & 31];
  return id;
}

/**
 * Opens (creating if needed) the runs database: owner-only files, busy_timeout set before anything that
 * may wait on another connection, WAL with synchronous=NORMAL, migrations under an immediate
 * transaction so two processes opening a fresh file do not both apply them.
 */
function openRunsDb(path: string): Database {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let db: Database | undefined;
  try {
    db = new Database(path, { create: true, strict: true });
    db.exec("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    const migrate = db.transaction((d: Database) => {
      const version = (d.query("PRAGMA user_version").get() as { user_version: number }).user_version;
      if (version > MIGRATIONS.length) {
        throw new Error(`it was written by a newer runner (schema ${version}); upgrade the runner`);
      }
      for (let v = version; v < MIGRATIONS.length; v++) d.exec(MIGRATIONS[v]!);
      d.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
    });
    migrate.immediate(db);
  } catch (err) {
    db?.close();
    throw new Error(
      `${path} is not a usable runs database (${(err as Error).message}); restore it from a backup or ` +
        "move it aside to start over (this forgets the run history)",
    );
  }
  for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  return db;
}
