import { describe, expect, test } from "bun:test";
import { FIRST_RETRY_MS, MAX_ATTEMPTS } from "../src/core/transcriptions.ts";
import { vaultsPerTest } from "../testing/core.ts";

const t = vaultsPerTest();

/** A note with an audio attachment queued for transcription. */
async function queued(content = "Shopping list", path = "voice") {
  const note = t.notes.create({ path, content });
  const a = await t.vault.attachments.add(note.id, "memo.webm", new Uint8Array([1, 2, 3]));
  return { note, job: t.vault.transcriptions.enqueue(a.id), attachment: a };
}

describe("the transcription queue", () => {
  test("a queued recording leaves a placeholder and a pending mark; the transcript replaces the placeholder", async () => {
    const { note, job } = await queued();
    expect(t.notes.get(note.id)).toMatchObject({
      content: "Shopping list\n\n*Transcribing memo.webm…*\n",
      metadata: { transcription: "pending" },
    });
    expect(t.vault.transcriptions.due().map((j) => j.attachment_id)).toEqual([job.attachment_id]);
    t.vault.transcriptions.done(job, "buy bread and apples");
    expect(t.notes.get(note.id)).toMatchObject({
      content: "Shopping list\n\nbuy bread and apples\n",
      metadata: { transcription: "done" },
    });
    expect(t.vault.transcriptions.due()).toEqual([]);
    // Found by search like any text.
    expect(t.notes.get(note.id).content).toContain("apples");
  });

  test("a placeholder the user edited away: the transcript is added at the end instead", async () => {
    const { note, job } = await queued();
    t.notes.update(note.id, { content: "rewritten" });
    t.vault.transcriptions.done(job, "the words");
    expect(t.notes.get(note.id).content).toBe("rewritten\n\nthe words\n");
  });

  test("scribe away: waits without limit, each wait longer; engine failures give up after a few tries", async () => {
    const { note, job } = await queued();
    let current = job;
    const waits: number[] = [];
    for (let i = 0; i < MAX_ATTEMPTS + 3; i++) {
      expect(t.vault.transcriptions.failed(current, "scribe could not be reached", "transient")).toBe(
        "retry",
      );
      current = t.vault.transcriptions.pending(note.id)[0]!;
      waits.push(current.next_at - t.clock.now());
    }
    expect(waits.slice(0, 3)).toEqual([FIRST_RETRY_MS, FIRST_RETRY_MS * 2, FIRST_RETRY_MS * 4]);
    expect(t.vault.transcriptions.due()).toEqual([]);
    t.clock.advance(waits.at(-1)!);
    expect(t.vault.transcriptions.due()).toHaveLength(1);

    for (let i = 1; i < MAX_ATTEMPTS; i++) {
      expect(t.vault.transcriptions.failed(current, "engine crashed", "failure")).toBe("retry");
      current = t.vault.transcriptions.pending(note.id)[0]!;
    }
    expect(t.vault.transcriptions.failed(current, "engine crashed", "failure")).toBe("given_up");
    expect(t.notes.get(note.id)).toMatchObject({
      content: "Shopping list\n\n*Transcription failed: engine crashed*\n",
      metadata: { transcription: "failed", transcription_error: "engine crashed" },
    });
    expect(t.vault.transcriptions.pending(note.id)).toEqual([]);
  });

  test("audio scribe cannot read gives up at once; a note waits while any of its recordings does", async () => {
    const note = t.notes.create({ path: "two" });
    const a = await t.vault.attachments.add(note.id, "one.wav", new Uint8Array([1]));
    const b = await t.vault.attachments.add(note.id, "two.wav", new Uint8Array([2]));
    const ja = t.vault.transcriptions.enqueue(a.id);
    const jb = t.vault.transcriptions.enqueue(b.id);
    expect(t.vault.transcriptions.failed(ja, "scribe answered 415: not audio", "permanent")).toBe("given_up");
    expect(t.notes.get(note.id).metadata.transcription).toBe("pending");
    t.vault.transcriptions.done(jb, "second");
    expect(t.notes.get(note.id).metadata.transcription).toBe("done");
  });

  test("only audio can be queued; a deleted note or attachment takes its job with it", async () => {
    const note = t.notes.create({ path: "pic" });
    const png = await t.vault.attachments.add(note.id, "p.png", new Uint8Array([1]));
    expect(() => t.vault.transcriptions.enqueue(png.id)).toThrow("only audio attachments can be transcribed");
    expect(t.notes.get(note.id).content).toBe("");

    const { note: voice, attachment } = await queued();
    t.vault.attachments.delete(attachment.id);
    expect(t.vault.transcriptions.pending(voice.id)).toEqual([]);
    const other = await queued("x", "voice 2");
    t.vault.attachments.deleteNote(t.notes, other.note.id);
    expect(t.vault.transcriptions.due()).toEqual([]);
  });
});
