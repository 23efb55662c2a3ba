import type { Database, Statement } from "bun:sqlite";
import { type Corpus, saturation } from "./bm25.ts";

/** One term of a conjunction: its id and bm25 weight. */
export interface WeightedTerm {
  id: number;
  weight: number;
}

interface Group {
  tf: number;
  /** Its notes (`search_groups`): a tuple's smallest group is the one walked. */
  size: number;
  /** The shortest note in the group: no note in it scores higher. */
  minLen: number;
}

/**
 * A choice of one tf group per term. Its notes are the intersection of those groups, and every
 * one of them scores Σ weight·saturation(tf, len) — a function of the note's length alone — so the
 * intersection read in (len, doc) order is already in score order.
 */
interface Tuple {
  at: number[];
  /** 0: bounded loosely (enumeration), 1: bounded by its groups' lengths, 2: rows being read. */
  state: 0 | 1 | 2;
  key: number;
  rows: { len: number; doc: number }[];
  row: number;
  done: boolean;
  /** Its last read came back short: the rows held are all it has (no read to prove it empty). */
  last: boolean;
  /** Rows its next read asks for: few at first, since most tuples are left after their best. */
  page: number;
}

const FIRST_PAGE = 4;
const MAX_PAGE = 64;
/**
 * Words in many notes with many tf values each (long notes) make many tuples, most of them empty; a
 * search of four such words could enumerate millions. Past this many, or past its time, the stream
 * gives up and FTS5 answers.
 */
const MAX_TUPLES = 20_000;
/** Milliseconds a stream may spend before it gives up. */
const CONJUNCTION_MS = 50;

/**
 * The notes holding every one of several words, in descending bm25 order (ties by rowid), read from
 * the postings alone. All tf-group tuples are enumerated lazily from the best down, each bounded
 * before it is read; a tuple's notes come from walking its smallest group and probing the others by
 * primary key. A note's score is exact when it is yielded, so the first k yielded are the top k.
 */
export class ConjunctionStream {
  private readonly groups: Group[][];
  private readonly heap: Tuple[] = [];
  private readonly enumerated = new Set<string>();
  private readonly intersect: Statement;
  private readonly minLen: number;

  constructor(
    db: Database,
    private readonly terms: WeightedTerm[],
    private readonly corpus: Corpus,
    private readonly giveUpAt = performance.now() + CONJUNCTION_MS,
  ) {
    const groups = db.query("SELECT tf, n FROM search_groups WHERE term = ? AND n > 0 ORDER BY tf DESC");
    const shortest = db.query("SELECT min(len) AS len FROM search_postings WHERE term = ? AND tf = ?");
    this.groups = terms.map((t) =>
      (groups.all(t.id) as { tf: number; n: number }[]).map((g) => ({
        tf: g.tf,
        size: g.n,
        minLen: (shortest.get(t.id, g.tf) as { len: number }).len,
      })),
    );
    this.minLen = Math.min(...this.groups.flat().map((g) => g.minLen));
    const others = terms
      .slice(1)
      .map(
        (_, i) =>
          ` AND EXISTS (SELECT 1 FROM search_postings o WHERE o.term = ?${5 + 2 * i} AND o.tf = ?${6 + 2 * i} AND o.len = d.len AND o.doc = d.doc)`,
      )
      .join("");
    this.intersect = db.query(
      `SELECT d.len, d.doc FROM search_postings d WHERE d.term = ?1 AND d.tf = ?2 AND (d.len, d.doc) > (?3, ?4)${others} ORDER BY d.len, d.doc LIMIT ?${3 + 2 * terms.length}`,
    );
    if (this.groups.every((g) => g.length > 0)) this.enumerate(this.groups.map(() => 0));
  }

  /**
   * The next note and its score, null when no note holds every word, or "too-deep" when finding it
   * would take more tuples or time than a search may spend here (then FTS5 answers instead).
   */
  next(): { doc: number; score: number } | null | "too-deep" {
    for (;;) {
      const t = this.heap[0];
      if (!t) return null;
      if (this.enumerated.size > MAX_TUPLES || performance.now() > this.giveUpAt) return "too-deep";
      if (t.state === 0) {
        this.pop();
        for (let i = 0; i < t.at.length; i++) {
          if (t.at[i]! + 1 < this.groups[i]!.length)
            this.enumerate(t.at.map((a, j) => (j === i ? a + 1 : a)));
        }
        const len = Math.max(...t.at.map((a, i) => this.groups[i]![a]!.minLen));
        this.push({ ...t, state: 1, key: this.score(t.at, len) });
      } else if (t.state === 1) {
        this.pop();
        this.read(t, 0, 0);
        if (!t.done) this.push({ ...t, state: 2, key: this.score(t.at, t.rows[0]!.len) });
      } else {
        const row = t.rows[t.row]!;
        const out = { doc: row.doc, score: t.key };
        this.pop();
        if (++t.row === t.rows.length) {
          if (t.last) t.done = true;
          else this.read(t, row.len, row.doc);
        }
        if (!t.done) this.push({ ...t, key: this.score(t.at, t.rows[t.row]!.len) });
        return out;
      }
    }
  }

  private enumerate(at: number[]): void {
    const name = at.join(",");
    if (this.enumerated.has(name)) return;
    this.enumerated.add(name);
    this.push({
      at,
      state: 0,
      key: this.score(at, this.minLen),
      rows: [],
      row: 0,
      done: false,
      last: false,
      page: FIRST_PAGE,
    });
  }

  /** Σ weight·saturation for the tuple's tfs at one length. */
  private score(at: number[], len: number): number {
    let s = 0;
    for (const [i, t] of this.terms.entries())
      s += t.weight * saturation(this.corpus, this.groups[i]![at[i]!]!.tf, len);
    return s;
  }

  private read(t: Tuple, afterLen: number, afterDoc: number): void {
    const parts = t.at.map((a, i) => ({ term: this.terms[i]!.id, ...this.groups[i]![a]! }));
    parts.sort((a, b) => a.size - b.size);
    const [drive, ...rest] = parts;
    t.rows = this.intersect.all(
      drive!.term,
      drive!.tf,
      afterLen,
      afterDoc,
      ...rest.flatMap((p) => [p.term, p.tf]),
      t.page,
    ) as Tuple["rows"];
    t.last = t.rows.length < t.page;
    t.page = Math.min(MAX_PAGE, t.page * 4);
    t.row = 0;
    t.done = t.rows.length === 0;
  }

  // A binary heap on `before`.
  private push(t: Tuple): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!before(h[i]!, h[up]!)) break;
      [h[i], h[up]] = [h[up]!, h[i]!];
      i = up;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

/** Higher key first; at one key, bounds before rows (a bound may hide an equal score), then rowid. */
function before(a: Tuple, b: Tuple): boolean {
  if (a.key !== b.key) return a.key > b.key;
  if (a.state !== b.state) return a.state < b.state;
  if (a.state === 2) return a.rows[a.row]!.doc < b.rows[b.row]!.doc;
  return false;
}
