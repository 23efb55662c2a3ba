import type { FailureKind, TranscriptionJob } from "./core/transcriptions.ts";
import type { Vault, VaultSet } from "./core/vaults.ts";

export interface WorkerDeps {
  vaults: VaultSet;
  /** The hub on loopback; scribe is reached through it at `/scribe/v1/`. */
  hubUrl: string;
  /** The service token the hub gave the vault for `scribe:transcribe`, read afresh each time. */
  token: () => string | null;
  /** Whether a transcribed recording is kept as the note's attachment (vault setting `keepAudio`). */
  keepAudio: () => boolean;
  log: (line: string) => void;
  /** How long a transcription may take before it counts as failed. */
  timeoutMs?: number;
}

type Outcome = { text: string } | { reason: string; kind: FailureKind };

/** What scribe (or the hub in front of it) said, and whether trying again could help. */
async function classify(res: Response): Promise<Outcome> {
  const body = (await res.json().catch(() => ({}))) as {
    text?: unknown;
    error?: { message?: string; code?: string } | string;
    message?: string;
  };
  if (res.ok && typeof body.text === "string") return { text: body.text };
  // Scribe answers in OpenAI's error shape; anything else is the hub, answering for a scribe that is
  // not installed, not running, or not yet reachable with this token: that is waited for.
  const err = typeof body.error === "object" ? body.error : undefined;
  if (!err)
    return {
      reason: `scribe is not reachable (${res.status}: ${body.message ?? "no message"})`,
      kind: "transient",
    };
  const reason = `scribe answered ${res.status}: ${err.message ?? "no message"}`;
  if ([400, 413, 415, 422].includes(res.status)) return { reason, kind: "permanent" };
  if (res.status === 502 && err.code === "engine_failed") return { reason, kind: "failure" };
  // A recording that ran past scribe's time limit would do so again: it is not tried twice.
  if (res.status === 504 && err.code === "timeout") return { reason, kind: "permanent" };
  return { reason, kind: "transient" };
}

/**
 * Sends queued voice notes to scribe through the hub, one at a time, and writes the transcripts into
 * their notes. The queue lives in each vault's database, so a restart, or scribe being away, loses
 * nothing: the worker resumes with what is due.
 */
export function startTranscriptionWorker(deps: WorkerDeps): { stop(): Promise<void> } {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> = Promise.resolve();

  const attempt = async (vault: Vault, job: TranscriptionJob): Promise<Outcome> => {
    const token = deps.token();
    if (!token)
      return { reason: "the hub has not given the vault a token for scribe yet", kind: "transient" };
    const attachment = vault.attachments.get(job.attachment_id);
    const form = new FormData();
    form.set("file", Bun.file(attachment.file, { type: attachment.mime }), attachment.name);
    form.set("model", "whisper-1");
    try {
      const res = await fetch(`${deps.hubUrl}/scribe/v1/audio/transcriptions`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: form,
        signal: AbortSignal.timeout(deps.timeoutMs ?? 15 * 60_000),
      });
      return await classify(res);
    } catch (err) {
      return { reason: `scribe could not be reached: ${(err as Error).message}`, kind: "transient" };
    }
  };

  const work = async (vault: Vault, job: TranscriptionJob) => {
    const outcome = await attempt(vault, job);
    if ("text" in outcome) {
      vault.transcriptions.done(job, outcome.text);
      if (!deps.keepAudio()) vault.attachments.delete(job.attachment_id);
      return;
    }
    const next = vault.transcriptions.failed(job, outcome.reason, outcome.kind);
    deps.log(
      `transcription of ${job.attachment_id} in vault ${vault.name}: ${outcome.reason} (${next === "retry" ? "will retry" : "given up"})`,
    );
  };

  const tick = async () => {
    for (const name of deps.vaults.names()) {
      const vault = deps.vaults.get(name);
      for (const job of vault.transcriptions.due()) {
        if (stopped) return;
        try {
          await work(vault, job);
        } catch (err) {
          // The note or attachment went away meanwhile (the job went with it), or the transcript
          // could not be written: counted as a failed try, so it never spins.
          try {
            vault.transcriptions.failed(job, (err as Error).message, "failure");
          } catch {
            // Nothing left to mark.
          }
          deps.log(`transcription of ${job.attachment_id} in vault ${name}: ${(err as Error).message}`);
        }
      }
    }
  };

  const loop = () => {
    if (stopped) return;
    running = tick().finally(() => {
      if (!stopped) timer = setTimeout(loop, 1000);
    });
  };
  loop();

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
