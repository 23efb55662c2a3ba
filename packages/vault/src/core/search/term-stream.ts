import type { Statement } from "bun:sqlite";
import { type Corpus, saturation } from "./bm25.ts";

export interface Posting {
  doc: number;
  tf: number;
  len: number;
  /** The term's bm25 saturation in this note. */
  sat: number;
}

/** Notes in descending score for one phrase: the head's saturation, rowid, and taking it. */
export interface Stream {
  /** The best saturation left, or -1 when the stream is spent. */
  peek(): number;
  /** The rowid at the head, or +∞ when the stream is spent. */
  peekDoc(): number;
  next(): Posting | null;
}

interface Group {
  tf: number;
  rows: { len: number; doc: number }[];
  at: number;
  done: boolean;
}

const BATCH = 64;

/**
 * One term's postings in descending bm25 order for today's corpus, read lazily. The postings are
 * keyed (term, tf, len, doc): within one tf, shorter notes score higher, so each tf is a list
 * already in score order, and merging the lists' heads gives the exact order without reading more
 * than is taken. (The average length changes with every write; this order does not depend on it.)
 */
export class TermStream implements Stream {
  private groups: Group[] = [];

  constructor(
    private readonly sql: { nextGroup: Statement; page: Statement },
    private readonly term: number,
    private readonly corpus: Corpus,
  ) {
    let tf = 0;
    for (;;) {
      const head = sql.nextGroup.get(term, tf) as { tf: number; len: number; doc: number } | null;
      if (!head) break;
      this.groups.push({ tf: head.tf, rows: [{ len: head.len, doc: head.doc }], at: 0, done: false });
      tf = head.tf;
    }
  }

  /** The best saturation left, or -1 when the stream is spent. */
  peek(): number {
    const g = this.best();
    return g ? saturation(this.corpus, g.tf, g.rows[g.at]!.len) : -1;
  }

  /** The rowid at the head, or +∞ when the stream is spent. */
  peekDoc(): number {
    const g = this.best();
    return g ? g.rows[g.at]!.doc : Number.POSITIVE_INFINITY;
  }

  next(): Posting | null {
    const g = this.best();
    if (!g) return null;
    const row = g.rows[g.at++]!;
    if (g.at === g.rows.length) this.refill(g, row);
    return { doc: row.doc, tf: g.tf, len: row.len, sat: saturation(this.corpus, g.tf, row.len) };
  }

  private refill(g: Group, last: { len: number; doc: number }): void {
    g.rows = this.sql.page.all(this.term, g.tf, last.len, last.doc, BATCH) as Group["rows"];
    g.at = 0;
    if (g.rows.length === 0) g.done = true;
  }

  /** The group whose head comes first: highest saturation, then lowest note. */
  private best(): Group | null {
    let best: Group | null = null;
    let bestSat = -1;
    for (const g of this.groups) {
      if (g.done) continue;
      const h = g.rows[g.at]!;
      const s = saturation(this.corpus, g.tf, h.len);
      if (s > bestSat || (s === bestSat && best && h.doc < best.rows[best.at]!.doc)) {
        best = g;
        bestSat = s;
      }
    }
    return best;
  }
}

/** A stream over postings already in memory, in descending score (ties by rowid). */
export class ListStream implements Stream {
  private at = 0;

  constructor(private readonly list: Posting[]) {}

  peek(): number {
    return this.list[this.at]?.sat ?? -1;
  }

  peekDoc(): number {
    return this.list[this.at]?.doc ?? Number.POSITIVE_INFINITY;
  }

  next(): Posting | null {
    return this.list[this.at++] ?? null;
  }
}
