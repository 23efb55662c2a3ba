import type { Database } from "bun:sqlite";
import { tokenize } from "./tokens.ts";

/** A note as the ranked search reads it: its tokens per column, term counts and length. */
export interface IndexedText {
  columns: [string[], string[]];
  counts: Map<string, number>;
  len: number;
}

export function indexedText(path: string, content: string): IndexedText {
  const columns: [string[], string[]] = [tokenize(path), tokenize(content)];
  const counts = new Map<string, number>();
  for (const col of columns) for (const t of col) counts.set(t, (counts.get(t) ?? 0) + 1);
  return { columns, counts, len: columns[0].length + columns[1].length };
}

/** A note written since the postings were last merged: what the postings hold, and what it is now. */
export interface PendingNote {
  doc: number;
  /** The version in the postings (to be ignored there), or null when the postings never had it. */
  indexed: IndexedText | null;
  /** The note now, or null when it was deleted. */
  now: IndexedText | null;
  stamp: string | null;
}

/**
 * The notes in `search_dirty`, tokenized once and kept in memory between searches. Reloaded when this
 * connection wrote (`touch`) or another connection committed (`data_version`); a note is tokenized
 * again only when its `updated_at` moved.
 */
export class PendingNotes {
  private notes = new Map<number, PendingNote>();
  private seen = "";
  private writes = 0;

  constructor(private readonly db: Database) {}

  /** Marks the cache stale after this connection wrote. */
  touch(): void {
    this.writes++;
  }

  current(): Map<number, PendingNote> {
    const dataVersion = (this.db.query("PRAGMA data_version").get() as { data_version: number }).data_version;
    const version = `${dataVersion}:${this.writes}`;
    if (version === this.seen) return this.notes;
    const rows = this.db
      .query(
        "SELECT d.doc, d.old_path IS NOT NULL AS had, n.updated_at AS stamp FROM search_dirty d LEFT JOIN notes n ON n.rowid = d.doc",
      )
      .all() as { doc: number; had: number; stamp: string | null }[];
    const next = new Map<number, PendingNote>();
    const text = this.db.query(
      "SELECT d.old_path, d.old_content, n.path, n.content FROM search_dirty d LEFT JOIN notes n ON n.rowid = d.doc WHERE d.doc = ?",
    );
    for (const r of rows) {
      const cached = this.notes.get(r.doc);
      if (cached && cached.stamp === r.stamp && (cached.indexed !== null) === (r.had === 1)) {
        next.set(r.doc, cached);
        continue;
      }
      const t = text.get(r.doc) as {
        old_path: string | null;
        old_content: string | null;
        path: string | null;
        content: string | null;
      };
      next.set(r.doc, {
        doc: r.doc,
        indexed: t.old_path === null ? null : indexedText(t.old_path, t.old_content ?? ""),
        now: t.path === null ? null : indexedText(t.path, t.content ?? ""),
        stamp: r.stamp,
      });
    }
    this.notes = next;
    this.seen = version;
    return next;
  }
}
