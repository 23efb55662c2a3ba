import type { Database } from "bun:sqlite";
import type { AttachmentStore } from "./attachments.ts";
import { invalid } from "./errors.ts";
import type { NoteStore } from "./notes.ts";

/** A voice note waiting for its transcript. */
export interface TranscriptionJob {
  attachment_id: string;
  note_id: string;
  placeholder: string;
  attempts: number;
  waits: number;
  next_at: number;
  last_error: string | null;
}

/**
 * Why a try failed: `transient` (scribe away or busy, no token yet) waits without limit; `failure`
 * (the engine failed) counts towards `MAX_ATTEMPTS`; `permanent` (audio scribe cannot read) ends it.
 */
export type FailureKind = "transient" | "failure" | "permanent";

/** Engine failures are tried this many times; an unreachable scribe is waited for without limit. */
export const MAX_ATTEMPTS = 5;
/** The first wait after a failed try; each further one doubles, up to ten minutes. */
export const FIRST_RETRY_MS = 15_000;
const LONGEST_DELAY_MS = 10 * 60_000;

/**
 * The vault's transcription jobs, in its own database so that nothing is lost across restarts or
 * while scribe is away: an audio attachment uploaded for transcription leaves a placeholder in its
 * note, which the transcript replaces when it arrives.
 */
export class Transcriptions {
  constructor(
    private readonly db: Database,
    private readonly notes: NoteStore,
    private readonly attachments: AttachmentStore,
    private readonly now: () => number,
    private readonly firstRetryMs = FIRST_RETRY_MS,
  ) {}

  /** Queues an audio attachment and puts its placeholder at the end of the note, in one transaction. */
  enqueue(attachmentId: string): TranscriptionJob {
    const a = this.attachments.get(attachmentId);
    if (!a.mime.startsWith("audio/") && a.mime !== "video/mp4")
      throw invalid("not_audio", `${a.name} is not audio; only audio attachments can be transcribed`);
    const placeholder = `*Transcribing ${a.name}…*`;
    return this.db.transaction(() => {
      const note = this.notes.get(a.note_id);
      const sep =
        note.content === "" || note.content.endsWith("\n\n")
          ? ""
          : note.content.endsWith("\n")
            ? "\n"
            : "\n\n";
      this.notes.update(note.id, {
        append: `${sep}${placeholder}\n`,
        metadata: { transcription: "pending" },
      });
      this.db
        .query(
          "INSERT INTO transcriptions (attachment_id, note_id, placeholder, next_at, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .run(a.id, a.note_id, placeholder, this.now(), new Date(this.now()).toISOString());
      return this.job(a.id)!;
    })();
  }

  /** Jobs whose time has come, oldest first. */
  due(limit = 10): TranscriptionJob[] {
    return this.db
      .query("SELECT * FROM transcriptions WHERE next_at <= ? ORDER BY next_at, attachment_id LIMIT ?")
      .all(this.now(), limit) as TranscriptionJob[];
  }

  /** When the next job is due, if any. */
  nextAt(): number | null {
    const row = this.db.query("SELECT min(next_at) AS t FROM transcriptions").get() as { t: number | null };
    return row.t;
  }

  pending(noteId: string): TranscriptionJob[] {
    return this.db.query("SELECT * FROM transcriptions WHERE note_id = ?").all(noteId) as TranscriptionJob[];
  }

  /** The transcript arrived: it replaces the placeholder (or ends the note if that was edited away). */
  done(job: TranscriptionJob, text: string): void {
    this.db.transaction(() => {
      const note = this.notes.get(job.note_id);
      const transcript = text.trim() || "(no speech was recognised)";
      const patch = note.content.includes(job.placeholder)
        ? { edit: { old: job.placeholder, new: transcript } }
        : { append: `\n\n${transcript}\n` };
      this.db.query("DELETE FROM transcriptions WHERE attachment_id = ?").run(job.attachment_id);
      this.notes.update(note.id, { ...patch, metadata: { transcription: this.settled(note.id, "done") } });
    })();
  }

  /** A failed try: retried later, or given up, the note then saying the transcription failed, and why. */
  failed(job: TranscriptionJob, reason: string, kind: FailureKind): "retry" | "given_up" {
    const transient = kind === "transient";
    const attempts = kind === "permanent" ? MAX_ATTEMPTS : transient ? job.attempts : job.attempts + 1;
    if (attempts >= MAX_ATTEMPTS) {
      this.db.transaction(() => {
        this.db.query("DELETE FROM transcriptions WHERE attachment_id = ?").run(job.attachment_id);
        const note = this.notes.get(job.note_id);
        const failure = `*Transcription failed: ${reason.replace(/[*\n]/g, " ").slice(0, 300)}*`;
        const patch = note.content.includes(job.placeholder)
          ? { edit: { old: job.placeholder, new: failure } }
          : {};
        this.notes.update(note.id, {
          ...patch,
          metadata: {
            transcription: this.settled(note.id, "failed"),
            transcription_error: reason.slice(0, 500),
          },
        });
      })();
      return "given_up";
    }
    const waits = transient ? job.waits + 1 : job.waits;
    const step = Math.min(
      LONGEST_DELAY_MS,
      this.firstRetryMs * 2 ** Math.min(transient ? waits - 1 : attempts - 1, 10),
    );
    this.db
      .query(
        "UPDATE transcriptions SET attempts = ?, waits = ?, next_at = ?, last_error = ? WHERE attachment_id = ?",
      )
      .run(attempts, waits, this.now() + step, reason.slice(0, 500), job.attachment_id);
    return "retry";
  }

  private job(attachmentId: string): TranscriptionJob | null {
    return this.db
      .query("SELECT * FROM transcriptions WHERE attachment_id = ?")
      .get(attachmentId) as TranscriptionJob | null;
  }

  /** The note's state once one of its jobs ends: still pending while others wait. */
  private settled(noteId: string, outcome: "done" | "failed"): string {
    return this.pending(noteId).length > 0 ? "pending" : outcome;
  }
}
