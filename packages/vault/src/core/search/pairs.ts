import type { Database } from "bun:sqlite";
import type { IndexedText } from "./pending.ts";

/**
 * Postings of adjacent pairs of common words (ADR 0010). The index has no positions, so a phrase is
 * checked against each note's text (~10 µs a note); a phrase of common words makes that thousands
 * of notes. Once a word is in more than `COMMON` notes it joins the common words
 * (`search_common`), and every pair of common words side by side in a note gets postings as a term
 * `"a b`, tf = how often the pair occurs (a two-word phrase's own count, overlaps included). A
 * phrase of common words is then read from its rarest pair; a two-word one is that pair, exactly.
 */
export const COMMON = 1000;

/** The `search_terms` key of a pair's postings; `"` never occurs in a token and sorts before `*`. */
export const pairKey = (a: string, b: string) => `"${a} ${b}`;

export function loadCommon(db: Database): Set<string> {
  const rows = db.query("SELECT term FROM search_common").all() as { term: string }[];
  return new Set(rows.map((r) => r.term));
}

/** How many times each adjacent pair of common words occurs in a note (within one column). */
export function pairCounts(text: IndexedText, common: Set<string>): Map<string, number> {
  const out = new Map<string, number>();
  if (common.size === 0) return out;
  for (const col of text.columns)
    for (let i = 0; i + 1 < col.length; i++)
      if (common.has(col[i]!) && common.has(col[i + 1]!)) {
        const k = pairKey(col[i]!, col[i + 1]!);
        out.set(k, (out.get(k) ?? 0) + 1);
      }
  return out;
}

/**
 * A word is made common between merges by reading its notes' text (~15 µs a note), in one
 * transaction; past this many notes that would hold the vault for seconds, so such a word waits
 * for a rebuild. (Words grow common at ~1,000 notes; only a vault indexed before pairs existed, or
 * one that grew a word by thousands of notes between two looks, has words this far past it.)
 */
export const GROW_MAX = 20_000;
