/**
 * bm25 exactly as FTS5's built-in `bm25()` computes it for this vault's table (both columns weighted
 * 1): for each phrase of the query, idf × tf·(k1+1) / (tf + k1·(1 − b + b·len/avgdl)), where tf
 * counts the phrase in the note (path and content), len is the note's tokens and idf is
 * ln((N − n + 0.5)/(n + 0.5)) floored at 1e-6. Higher is better here; FTS5 reports the negative.
 */
const K1 = 1.2;
const B = 0.75;

export interface Corpus {
  docs: number;
  tokens: number;
}

export function idf(c: Corpus, hits: number): number {
  const v = Math.log((c.docs - hits + 0.5) / (hits + 0.5));
  return v <= 0 ? 1e-6 : v;
}

/** The tf part of one phrase's term: what orders notes for a one-phrase query. */
export function saturation(c: Corpus, tf: number, len: number): number {
  const avgdl = c.tokens / c.docs;
  return (tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * len) / avgdl));
}

/** The largest `saturation` can be: as tf grows without bound. */
export const SATURATION_MAX = K1 + 1;
