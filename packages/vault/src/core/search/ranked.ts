import type { Database } from "bun:sqlite";
import { type Corpus, idf, SATURATION_MAX, saturation } from "./bm25.ts";
import { ConjunctionStream, type WeightedTerm } from "./conjunction.ts";
import { pairKey } from "./pairs.ts";
import { type IndexedText, indexedText, type PendingNote } from "./pending.ts";
import { BROAD, prefixSpread, prefixTerm } from "./prefixes.ts";
import type { Phrase } from "./query-shape.ts";
import { ListStream, type Posting, type Stream, TermStream } from "./term-stream.ts";
import type { WorkBudget } from "./work-budget.ts";

/** The filters a search carries besides its words, as SQL over `notes n`. */
export interface Filters {
  where: string[];
  args: (string | number)[];
}

/**
 * Notes scored from their text cost ~10 µs each; FTS5 scores a match in ~2 µs from its positions.
 * A search that could have to read more notes than this from their text (its narrowest phrase's
 * rarest word or pair of common words is in this many) is left to FTS5.
 */
const TEXT_CAP = 3000;
/**
 * A prefix without postings of its own (prefixes.ts) whose words hold at most this many is read
 * whole from them, its notes' counts summed (~0.5 µs a posting); all of a search's lists together
 * read at most this many.
 */
const LIST_CAP = 4 * BROAD;
const BATCH = 32;
/**
 * Text a search may read to check its phrases (~0.3 s): the note caps count notes, and a few notes
 * of a megabyte each would otherwise take seconds. Past it FTS5 answers, from its positions.
 */
const TEXT_CHARS = 8_000_000;
/** Phrases a search may have for the index to answer it. */
const MAX_PHRASES = 8;

/** A phrase read in descending score: its stream's head bounds what it adds to any unread note. */
interface Driver {
  weight: number;
  stream: Stream;
}

interface Shape {
  p: Phrase;
  known: { id: number; df: number; now: number }[];
  reach: number;
  /** The postings FTS5 walks to match it. */
  work: number;
  weight: number;
  /** One term's postings answer it: a word, or a prefix with postings of its own (prefixes.ts). */
  word: boolean;
  /** A narrow prefix's notes, summed from its words' postings, in descending score. */
  list?: Posting[];
  /** bm25's n when known without asking FTS5. */
  hits?: number;
}

interface Hit {
  doc: number;
  score: number;
}

/**
 * The top `k` notes for a search of required phrases by bm25, exactly — with the work following k,
 * not the number of matches (a threshold algorithm): each phrase reads notes from its rarest term's
 * postings in descending score, every note read is scored exactly from its text, and reading stops
 * when no unread note can beat the k-th. Notes written since the last merge (`pending`) are scored
 * directly and skipped in the postings. Returns rowids in rank order (ties by rowid), or null when
 * the search is one it leaves to FTS5.
 */
export function rankedSearch(
  db: Database,
  main: Corpus,
  pending: Map<number, PendingNote>,
  phrases: Phrase[],
  filters: Filters,
  k: number,
  budget: number,
  load: WorkBudget,
  /** Brings FTS5 up to the notes, before it counts a phrase. */
  ftsCurrent: () => void,
): number[] | null {
  const began = performance.now();
  // Many phrases make a costly statement to intersect them and little to gain: FTS5 answers.
  if (phrases.length > MAX_PHRASES) return null;
  const corpus = { ...main };
  for (const p of pending.values()) {
    if (p.indexed) {
      corpus.docs--;
      corpus.tokens -= p.indexed.len;
    }
    if (p.now) {
      corpus.docs++;
      corpus.tokens += p.now.len;
    }
  }
  if (corpus.docs <= 0) return [];
  /** How the notes not yet merged change a term's document frequency. */
  const dfDelta = (t: string) => {
    let d = 0;
    for (const p of pending.values())
      d += (p.now?.counts.has(t) ? 1 : 0) - (p.indexed?.counts.has(t) ? 1 : 0);
    return d;
  };

  const termRow = db.query("SELECT id, df FROM search_terms WHERE term = ?");
  const sql = {
    nextGroup: db.query(
      "SELECT tf, len, doc FROM search_postings WHERE term = ?1 AND tf > ?2 ORDER BY tf, len, doc LIMIT 1",
    ),
    page: db.query(
      "SELECT len, doc FROM search_postings WHERE term = ?1 AND tf = ?2 AND (len, doc) > (?3, ?4) ORDER BY len, doc LIMIT ?5",
    ),
  };
  const single = phrases.length === 1;
  const shapes: Shape[] = [];
  // What all of a search's prefixes may read as lists (fifty of them would read 600k postings).
  let listLeft = LIST_CAP;
  for (const p of phrases) {
    const own = p.prefix && p.terms.length === 1 ? prefixTerm(db, p.terms[0]!) : null;
    if (own) {
      const now = own.df + pendingPhraseHits(pending, p);
      if (now <= 0) return [];
      shapes.push({ p, known: [{ ...own, now }], reach: own.df, work: own.df, weight: 1, word: true });
      continue;
    }
    const spread = p.prefix ? prefixSpread(db, p.terms.at(-1)!).postings : 0;
    if (p.prefix && p.terms.length === 1 && spread <= listLeft) {
      listLeft -= spread;
      const list = prefixList(db, p.terms[0]!, corpus);
      const now = list.length + pendingPhraseHits(pending, p);
      if (now <= 0) return [];
      shapes.push({ p, known: [], reach: list.length, work: 0, weight: 1, word: false, list, hits: now });
      continue;
    }
    const fixed = p.prefix ? p.terms.slice(0, -1) : p.terms;
    const known = fixed.map((t) => {
      const row = termRow.get(t) as { id: number; df: number } | null;
      return { id: row?.id ?? 0, df: row?.df ?? 0, now: (row?.df ?? 0) + dfDelta(t) };
    });
    if (known.some((t) => t.now <= 0)) return [];
    // Side by side common words have postings as a pair (pairs.ts): a phrase reads its rarest.
    const pairs = commonPairs(db, fixed).map(({ id, df, terms }) => ({
      id,
      df,
      now: df + pendingPhraseHits(pending, { terms, prefix: false }),
    }));
    if (pairs.some((t) => t.now <= 0)) return [];
    if (!p.prefix && p.terms.length === 2 && pairs.length === 1) {
      const pair = pairs[0]!;
      shapes.push({ p, known: [pair], reach: pair.df, work: pair.df, weight: 1, word: true });
      continue;
    }
    known.push(...pairs);
    // The most notes this phrase could make the search read: its rarest term's, or a prefix's.
    const reach = known.length > 0 ? Math.min(...known.map((t) => t.df)) : spread;
    const work = known.slice(0, fixed.length).reduce((n, t) => n + t.df, spread);
    shapes.push({ p, known, reach, work, weight: 1, word: p.terms.length === 1 && !p.prefix });
  }
  const words = !single && shapes.every((s) => s.word);
  const direct = single && (shapes[0]!.word || shapes[0]!.list !== undefined);
  const narrowest = shapes.reduce((a, b) => (b.reach < a.reach ? b : a));
  if (!words && !direct && narrowest.reach > TEXT_CAP) return null;
  // bm25's n for a phrase or prefix is counted by FTS5, at a cost that follows its postings.
  const counted = single ? [] : shapes.filter((s) => !s.word && s.hits === undefined);
  const countWork = counted.reduce((n, s) => n + s.work, 0);
  // Past either budget, FTS5's path answers (and refuses) instead.
  if (countWork > budget || (countWork > 0 && load.take(countWork) > 0)) return null;
  if (counted.length > 0) ftsCurrent();
  if (!single)
    for (const s of shapes)
      s.weight = idf(corpus, s.word ? s.known[0]!.now : (s.hits ?? phraseHits(db, s.p)));

  const drivers: Driver[] = [];
  // A lone prefix other than the narrowest phrase reads nothing: it adds its most to the bound.
  let fixedBound = 0;
  for (const shape of words ? [] : shapes) {
    const { known, weight, list } = shape;
    if (list || known.length > 0) {
      const stream = list
        ? new ListStream(list)
        : new TermStream(sql, known.reduce((a, b) => (b.df < a.df ? b : a)).id, corpus);
      drivers.push({ weight, stream });
    } else if (shape === narrowest) return null;
    else fixedBound += weight * SATURATION_MAX;
  }

  const hits: Hit[] = [];
  const seen = new Set<number>();
  const take = (h: Hit) => {
    if (hits.length === k && !before(h, hits[k - 1]!)) return;
    let lo = 0;
    let hi = hits.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(hits[mid]!, h)) lo = mid + 1;
      else hi = mid;
    }
    hits.splice(lo, 0, h);
    if (hits.length > k) hits.pop();
  };
  const score = (text: IndexedText): number | null => {
    let total = 0;
    for (const [i, p] of phrases.entries()) {
      const tf = phraseCount(text, p);
      if (tf === 0) return null;
      total += shapes[i]!.weight * saturation(corpus, tf, text.len);
    }
    return total;
  };
  const passing = filterCheck(db, filters);

  // Notes not yet merged into the postings: scored from memory, hidden from the postings.
  const fresh = [...pending.values()].filter((p) => p.now !== null);
  const freshOk = passing(fresh.map((p) => p.doc));
  for (const p of fresh) {
    if (!freshOk.has(p.doc)) continue;
    const s = score(p.now!);
    if (s !== null) take({ doc: p.doc, score: s });
  }
  for (const d of pending.keys()) seen.add(d);

  let textLeft = TEXT_CHARS;
  /** Scores notes from their text; false once the search has read more text than it may. */
  const evaluate = (docs: number[]): boolean => {
    const fresh = docs.filter((d) => !seen.has(d));
    for (const d of fresh) seen.add(d);
    for (const r of texts(db, fresh, filters)) {
      textLeft -= r.content.length;
      const s = score(indexedText(r.path, r.content));
      if (s !== null) take({ doc: r.rowid, score: s });
    }
    return textLeft > 0;
  };

  if (words) {
    // Several words: their postings alone give every note's score, in order.
    const terms = new Map<number, WeightedTerm>();
    for (const { known, weight } of shapes) {
      const t = terms.get(known[0]!.id);
      if (t) t.weight += weight;
      else terms.set(known[0]!.id, { id: known[0]!.id, weight });
    }
    const stream = new ConjunctionStream(db, [...terms.values()], corpus);
    for (;;) {
      const batch: Hit[] = [];
      while (batch.length < BATCH) {
        const h = stream.next();
        if (h === "too-deep") {
          // Its time was spent on the thread FTS5's budget guards: charged, so a stream of such
          // searches is slowed like a stream of FTS5's own.
          load.spend(load.perSecond * ((performance.now() - began) / 1000));
          return null;
        }
        if (!h) break;
        if (!seen.has(h.doc)) batch.push(h);
      }
      const ok = filters.where.length ? passing(batch.map((h) => h.doc)) : null;
      for (const h of batch) if (!ok || ok.has(h.doc)) take(h);
      const last = batch.at(-1);
      if (!last || (hits.length === k && !before(last, hits[k - 1]!))) break;
    }
    return hits.map((h) => h.doc);
  }
  const lone = drivers.length === 1 ? drivers[0]!.stream : null;
  for (;;) {
    if (drivers.some((d) => d.stream.peek() < 0)) break; // every match was read
    let best = drivers[0]!;
    let tau = fixedBound;
    for (const d of drivers) {
      const b = d.weight * Math.max(0, d.stream.peek());
      tau += b;
      if (b > best.weight * Math.max(0, best.stream.peek())) best = d;
    }
    const last = hits.length === k ? hits[k - 1]! : null;
    // With one stream, an unread note scoring exactly tau comes after its head in rowid order.
    if (last && (last.score > tau || (lone && last.score === tau && last.doc < lone.peekDoc()))) break;
    const stream = best.stream;
    const batch: Posting[] = [];
    while (batch.length < BATCH) {
      const p = stream.next();
      if (!p) break;
      if (!seen.has(p.doc)) batch.push(p);
    }
    if (!direct) {
      if (!evaluate(batch.map((p) => p.doc))) return null;
      continue;
    }
    // One word: a posting carries its note's score, so no text needs reading.
    const ok = filters.where.length ? passing(batch.map((p) => p.doc)) : null;
    for (const p of batch) {
      seen.add(p.doc);
      if (!ok || ok.has(p.doc)) take({ doc: p.doc, score: p.sat });
    }
  }
  return hits.map((h) => h.doc);
}

const before = (a: Hit, b: Hit) => a.score > b.score || (a.score === b.score && a.doc < b.doc);

/** How many times a phrase occurs in a note: runs of its terms in one column, overlaps counted. */
function phraseCount(text: IndexedText, p: Phrase): number {
  const m = p.terms.length;
  // A note lacking a whole term of the phrase holds none, and a lone word's count is kept.
  for (let j = 0; j < (p.prefix ? m - 1 : m); j++) if (!text.counts.has(p.terms[j]!)) return 0;
  if (m === 1 && !p.prefix) return text.counts.get(p.terms[0]!)!;
  let n = 0;
  for (const col of text.columns) {
    for (let i = 0; i + m <= col.length; i++) {
      let j = 0;
      for (; j < m; j++) {
        const want = p.terms[j]!;
        const tok = col[i + j]!;
        if (p.prefix && j === m - 1 ? !tok.startsWith(want) : tok !== want) break;
      }
      if (j === m) n++;
    }
  }
  return n;
}

/** How many notes hold a phrase, from FTS5 (bm25's n for a phrase of several terms or a prefix). */
function phraseHits(db: Database, p: Phrase): number {
  const q = `"${p.terms.join(" ")}"${p.prefix ? "*" : ""}`;
  return (db.query("SELECT count(*) AS n FROM notes_fts WHERE notes_fts MATCH ?").get(q) as { n: number }).n;
}

function filterCheck(db: Database, f: Filters): (docs: number[]) => Set<number> {
  return (docs) => {
    if (f.where.length === 0 || docs.length === 0) return new Set(docs);
    const rows = db
      .query(
        `SELECT n.rowid AS doc FROM notes n WHERE n.rowid IN (SELECT value FROM json_each(?)) AND ${f.where.join(" AND ")}`,
      )
      .all(JSON.stringify(docs), ...f.args) as { doc: number }[];
    return new Set(rows.map((r) => r.doc));
  };
}

function texts(db: Database, docs: number[], f: Filters): { rowid: number; path: string; content: string }[] {
  if (docs.length === 0) return [];
  return db
    .query(
      `SELECT n.rowid, n.path, n.content FROM notes n WHERE n.rowid IN (SELECT value FROM json_each(?))${f.where.map((w) => ` AND ${w}`).join("")}`,
    )
    .all(JSON.stringify(docs), ...f.args) as { rowid: number; path: string; content: string }[];
}

/** The notes holding words that start with `prefix`, each with their summed count, best first. */
function prefixList(db: Database, prefix: string, corpus: Corpus): Posting[] {
  const notes = new Map<number, Posting>();
  const rows = db
    .query(
      "SELECT p.tf, p.len, p.doc FROM search_terms t JOIN search_postings p ON p.term = t.id WHERE t.term GLOB ?",
    )
    .values(`${prefix}*`) as [number, number, number][];
  for (const [tf, len, doc] of rows) {
    const n = notes.get(doc);
    if (n) n.tf += tf;
    else notes.set(doc, { doc, tf, len, sat: 0 });
  }
  const list = [...notes.values()];
  for (const n of list) n.sat = saturation(corpus, n.tf, n.len);
  return list.sort((a, b) => b.sat - a.sat || a.doc - b.doc);
}

/**
 * The pairs of side-by-side terms of a phrase that have postings: both words common. A pair no merged
 * note holds has none (id 0, df 0).
 */
function commonPairs(db: Database, terms: string[]): { id: number; df: number; terms: string[] }[] {
  if (terms.length < 2) return [];
  const common = new Set(
    (
      db
        .query("SELECT term FROM search_common WHERE term IN (SELECT value FROM json_each(?))")
        .all(JSON.stringify(terms)) as { term: string }[]
    ).map((r) => r.term),
  );
  const out: { id: number; df: number; terms: string[] }[] = [];
  const row = db.query("SELECT id, df FROM search_terms WHERE term = ?");
  for (let i = 0; i + 1 < terms.length; i++) {
    const [a, b] = [terms[i]!, terms[i + 1]!];
    if (!common.has(a) || !common.has(b)) continue;
    const r = row.get(pairKey(a, b)) as { id: number; df: number } | null;
    out.push({ id: r?.id ?? 0, df: r?.df ?? 0, terms: [a, b] });
  }
  return out;
}

/** How the notes not yet merged change the number of notes holding a phrase. */
function pendingPhraseHits(pending: Map<number, PendingNote>, p: Phrase): number {
  let delta = 0;
  for (const n of pending.values())
    delta +=
      (n.now && phraseCount(n.now, p) > 0 ? 1 : 0) - (n.indexed && phraseCount(n.indexed, p) > 0 ? 1 : 0);
  return delta;
}
