import type { Database } from "bun:sqlite";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { extname, join } from "node:path";
import { invalid, VaultError } from "./errors.ts";

/** What may be attached, by extension, and the type it is served as. */
const ALLOWED_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".mp3": "audio/mpeg",
  ".m4a": "audio/mp4",
  ".ogg": "audio/ogg",
  ".oga": "audio/ogg",
  ".wav": "audio/wav",
  ".webm": "audio/webm",
  ".mp4": "video/mp4",
  ".pdf": "application/pdf",
  ".txt": "text/plain",
  ".md": "text/markdown",
};

const DEFAULT_MAX_ATTACHMENT = 50 * 1024 * 1024;

/** A byte count as a person reads it: `50 MB`, `512 KB`, `900 bytes`. */
export function sizeInWords(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

export interface Attachment {
  id: string;
  note_id: string;
  name: string;
  mime: string;
  size: number;
  sha256: string;
  created_at: string;
}

/** A file name safe to keep: no separators, control characters or dot-only names; 1–200 characters. */
function checkAttachmentName(name: string): string {
  const n = typeof name === "string" ? name.trim() : "";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (!n || n.length > 200 || /[\u0000-\u001f\u007f/\\]/.test(n) || /^\.+$/.test(n)) {
    throw invalid(
      "invalid_name",
      "attachment names are 1–200 characters with no slashes or control characters",
    );
  }
  return n;
}

/** The served type for a name, or a 415-kind refusal when the type is not allowed. */
function attachmentType(name: string): string {
  const mime = ALLOWED_TYPES[extname(name).toLowerCase()];
  if (!mime) {
    throw new VaultError(
      "unsupported",
      "unsupported_type",
      `${extname(name) || "this type"} is not an allowed attachment type`,
    );
  }
  return mime;
}

/**
 * Attachments of a vault's notes. Files live under `<vault>/attachments/<id>`: their stored name is
 * the id, never the user's file name, so no name can reach outside the folder. Bytes are written to a
 * temp file, fsynced and renamed before the row is committed.
 */
export class AttachmentStore {
  private readonly dir: string;

  constructor(
    private readonly db: Database,
    vaultDir: string,
    private readonly now: () => number,
    readonly maxBytes = DEFAULT_MAX_ATTACHMENT,
  ) {
    this.dir = join(vaultDir, "attachments");
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** Streams `body` into a new attachment of `noteId`; over `maxBytes` is refused and nothing kept. */
  async add(
    noteId: string,
    rawName: string,
    body: ReadableStream<Uint8Array> | Uint8Array,
  ): Promise<Attachment> {
    const name = checkAttachmentName(rawName);
    const mime = attachmentType(name);
    if (this.db.query("SELECT 1 FROM attachments WHERE note_id = ? AND name = ?").get(noteId, name)) {
      throw new VaultError("conflict", "name_taken", `the note already has an attachment named ${name}`);
    }
    const id = Bun.randomUUIDv7();
    const tmp = join(this.dir, `.${id}.part`);
    const hash = new Bun.CryptoHasher("sha256");
    let size = 0;
    const fd = openSync(tmp, "w", 0o600);
    try {
      const chunks = body instanceof Uint8Array ? [body] : body;
      for await (const chunk of chunks as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > this.maxBytes) {
          throw new VaultError(
            "too_large",
            "attachment_too_large",
            `attachments are at most ${sizeInWords(this.maxBytes)}`,
          );
        }
        hash.update(chunk);
        writeSync(fd, chunk);
      }
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw err;
    }
    closeSync(fd);
    renameSync(tmp, join(this.dir, id));
    const created_at = new Date(this.now()).toISOString();
    const sha256 = hash.digest("hex");
    try {
      this.db
        .query(
          "INSERT INTO attachments (id, note_id, name, mime, size, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .run(id, noteId, name, mime, size, sha256, created_at);
    } catch (err) {
      rmSync(join(this.dir, id), { force: true });
      throw err;
    }
    return { id, note_id: noteId, name, mime, size, sha256, created_at };
  }

  list(noteId: string): Attachment[] {
    return this.db
      .query("SELECT * FROM attachments WHERE note_id = ? ORDER BY name")
      .all(noteId) as Attachment[];
  }

  get(id: string): Attachment & { file: string } {
    const row = this.db.query("SELECT * FROM attachments WHERE id = ?").get(id) as Attachment | null;
    if (!row || !existsSync(join(this.dir, row.id)))
      throw new VaultError("not_found", "not_found", `no attachment ${id}`);
    return { ...row, file: join(this.dir, row.id) };
  }

  delete(id: string): void {
    const row = this.get(id);
    this.db.query("DELETE FROM attachments WHERE id = ?").run(row.id);
    rmSync(row.file, { force: true });
  }

  /** Deletes a note with its attachments' files. */
  deleteNote(notes: { delete(id: string): void }, noteId: string): void {
    const files = this.list(noteId).map((a) => join(this.dir, a.id));
    notes.delete(noteId);
    for (const f of files) rmSync(f, { force: true });
  }

  /** Removes files whose rows are gone (a note deleted with its attachments, a crash mid-upload). */
  sweep(): void {
    const known = new Set(
      (this.db.query("SELECT id FROM attachments").all() as { id: string }[]).map((r) => r.id),
    );
    for (const f of new Bun.Glob("*").scanSync({ cwd: this.dir, dot: true })) {
      if (!known.has(f)) rmSync(join(this.dir, f), { force: true });
    }
  }
}
