import type { Database } from "bun:sqlite";

/**
 * Postings of broad prefixes (ADR 0010). A search for `wo*` ranks notes by how many of their tokens
 * start with `wo`, summed over every word it expands to; when those words hold thousands of postings
 * no bound over them stops early, so a prefix that broad keeps postings of its own: a term `*wo`
 * in `search_terms`, one row per note with tf = the note's tokens starting with `wo`. Merges keep
 * them like any term's. A prefix is given postings once its words hold more than `BROAD` postings
 * (checked as the vault grows, `broadPrefixes`); narrower ones are read word by word.
 */
export const BROAD = 3000;
/** One-letter prefixes are left to FTS5: they match most of a vault and no one types them to find. */
const SHORTEST = 2;
/**
 * Nor are prefixes longer than this given postings: no one types that much to find a word, and a
 * note of long tokens would otherwise cost a string per character of each (a 1 MB token, 10^12).
 */
export const LONGEST = 32;
/** Words a prefix's spread adds up at most (~20 ms); a prefix of more counts as too broad to read. */
const SPREAD_WORDS = 100_000;

/** The `search_terms` key of a prefix's postings; `*` never occurs in a token. */
export const prefixKey = (prefix: string) => `*${prefix}`;

/** The prefixes with postings of their own: their keys lie between `*` and `+`. */
export function loadPrefixes(db: Database): Set<string> {
  const rows = db.query("SELECT term FROM search_terms WHERE term >= '*' AND term < '+'").all() as {
    term: string;
  }[];
  return new Set(rows.map((r) => r.term.slice(1)));
}

/** How many tokens of each prefix in `prefixes` a note's term counts hold. */
export function prefixCounts(counts: Map<string, number>, prefixes: Set<string>): Map<string, number> {
  const out = new Map<string, number>();
  if (prefixes.size === 0) return out;
  for (const [term, tf] of counts)
    for (let n = SHORTEST; n <= Math.min(term.length, LONGEST); n++) {
      const p = term.slice(0, n);
      if (prefixes.has(p)) out.set(p, (out.get(p) ?? 0) + tf);
    }
  return out;
}

/**
 * Every prefix whose words hold more than `broad` postings, in one pass over the words in order (any
 * lexicographic order: words sharing a prefix are neighbours in all of them). A prefix whose words
 * all share a longer one (`uniq` and `unique`) is the same search: only the longest is named, and a
 * prefix of a single word is that word.
 */
export function broadPrefixes(terms: Iterable<{ term: string; df: number }>, broad: number): string[] {
  const walk = new PrefixWalk(broad);
  for (const t of terms) walk.take(t);
  return walk.end().map((f) => f.prefix);
}

/** The walk behind `broadPrefixes`, fed a word at a time so it can be spread over many writes. */
export class PrefixWalk {
  private readonly found = new Map<string, number>();
  private readonly open: { prefix: string; first: string; last: string; postings: number }[] = [];

  constructor(private readonly broad: number) {}

  take({ term, df }: { term: string; df: number }): void {
    const open = this.open;
    while (open.length > 0 && !term.startsWith(open.at(-1)!.prefix)) this.close();
    const deepest = Math.min(term.length, LONGEST);
    for (let n = Math.max(SHORTEST, (open.at(-1)?.prefix.length ?? 0) + 1); n <= deepest; n++)
      open.push({ prefix: term.slice(0, n), first: term, last: term, postings: 0 });
    for (const o of open) {
      o.postings += df;
      o.last = term;
    }
  }

  /** The broad prefixes found, with the postings their words hold. */
  end(): { prefix: string; postings: number }[] {
    while (this.open.length > 0) this.close();
    return [...this.found].map(([prefix, postings]) => ({ prefix, postings }));
  }

  private close(): void {
    const o = this.open.pop()!;
    const key = common(o.first, o.last);
    if (o.postings > this.broad && o.first !== o.last && key.length <= LONGEST)
      this.found.set(key, Math.max(o.postings, this.found.get(key) ?? 0));
  }
}

/**
 * What answers a search for `prefix*` from the postings: the term of its only word, or the postings
 * of the longest prefix all its words share — null when it has no postings (too narrow or not yet
 * built) or matches nothing.
 */
export function prefixTerm(db: Database, prefix: string): { id: number; df: number } | null {
  if (prefix.length < SHORTEST || prefix.length > LONGEST) return null;
  const edge = (dir: string) =>
    (
      db
        .query(`SELECT term FROM search_terms WHERE term GLOB ? ORDER BY term ${dir} LIMIT 1`)
        .get(`${prefix}*`) as { term: string } | null
    )?.term;
  const first = edge("ASC");
  const last = edge("DESC");
  if (first === undefined || last === undefined) return null;
  const key = first === last ? first : prefixKey(common(first, last));
  return db.query("SELECT id, df FROM search_terms WHERE term = ?").get(key) as {
    id: number;
    df: number;
  } | null;
}

/**
 * The postings and words of every word `prefix*` expands to, counting at most SPREAD_WORDS words:
 * past that, the postings are +∞ (too broad to read or to estimate).
 */
export function prefixSpread(db: Database, prefix: string): { postings: number; words: number } {
  const r = db
    .query(
      `SELECT count(*) AS words, coalesce(sum(df), 0) AS postings
       FROM (SELECT df FROM search_terms WHERE term GLOB ? AND df > 0 LIMIT ${SPREAD_WORDS})`,
    )
    .get(`${prefix}*`) as { words: number; postings: number };
  return r.words < SPREAD_WORDS ? r : { postings: Number.POSITIVE_INFINITY, words: r.words };
}

/**
 * Gives `prefix` postings of its own, summed from its words' postings (in the caller's transaction).
 * Returns the postings written, or 0 when it already had them.
 */
export function buildPrefix(db: Database, prefix: string): number {
  const key = prefixKey(prefix);
  if (db.query("SELECT 1 FROM search_terms WHERE term = ?").get(key)) return 0;
  const { id } = db.query("INSERT INTO search_terms (term, df) VALUES (?, 0) RETURNING id").get(key) as {
    id: number;
  };
  const { changes } = db
    .query(
      `INSERT INTO search_postings
       SELECT ?1, sum(p.tf), p.len, p.doc FROM search_terms t JOIN search_postings p ON p.term = t.id
       WHERE t.term GLOB ?2 GROUP BY p.doc, p.len ORDER BY 2, 3, 4`,
    )
    .run(id, `${prefix}*`);
  db.query("UPDATE search_terms SET df = ? WHERE id = ?").run(changes, id);
  db.query(
    "INSERT INTO search_groups SELECT term, tf, count(*) FROM search_postings WHERE term = ? GROUP BY tf",
  ).run(id);
  return changes;
}

function common(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}
