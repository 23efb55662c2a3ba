import type { Database } from "bun:sqlite";
import { pairKey } from "./pairs.ts";
import { indexedText } from "./pending.ts";
import { broadPrefixes, LONGEST, prefixKey } from "./prefixes.ts";
import { countGroups, insertPostings } from "./rows.ts";

/** Postings a rebuild holds in memory before writing them (16 bytes each; 100k notes in one run). */
const REBUILD_HOLD = 12_000_000;

/**
 * Empties the ranked index and indexes every note again, in the caller's transaction. A first pass
 * counts the notes holding each word, which decides the broad prefixes and the common words; the
 * second gathers every key's postings in memory and writes them in key order (appending to the
 * B-tree is many times faster than inserting each note's keys where they belong), in runs of at most
 * `REBUILD_HOLD` postings to bound the memory.
 */
export function rebuildPostings(db: Database, broadAt: number, commonAt: number): void {
  db.exec(`DELETE FROM search_postings; DELETE FROM search_terms; DELETE FROM search_dirty;
           DELETE FROM search_groups; DELETE FROM search_common;`);
  const notes = () =>
    db.query("SELECT rowid, path, content FROM notes").iterate() as Iterable<{
      rowid: number;
      path: string;
      content: string;
    }>;
  const ids = new Map<string, number>();
  let df: number[] = [];
  const idOf = (key: string) => {
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size + 1;
      ids.set(key, id);
      df[id] = 0;
    }
    return id;
  };
  for (const n of notes()) for (const t of indexedText(n.path, n.content).counts.keys()) df[idOf(t)]!++;
  const words = [...ids]
    .map(([term, id]) => ({ term, df: df[id]! }))
    .sort((a, b) => (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
  const prefixes = new Set(broadPrefixes(words, broadAt));
  // Keys by number from here (strings built and hashed per note cost more than the rest together):
  // each word's broad prefixes once, each pair of common words by its two words' ids.
  const prefixIds: number[][] = [];
  const prefixesOf = (word: string, id: number) => {
    let out = prefixIds[id];
    if (!out) {
      out = [];
      for (let n = 2; n <= Math.min(word.length, LONGEST); n++)
        if (prefixes.has(word.slice(0, n))) out.push(idOf(prefixKey(word.slice(0, n))));
      prefixIds[id] = out;
    }
    return out;
  };
  const pairIds = new Map<number, number>();
  const PAIR = 2 ** 26;
  // Common words by their place in `words`, so a pair is found by number.
  const commonIds = new Map<string, number>();
  for (const [i, w] of words.entries()) if (w.df > commonAt) commonIds.set(w.term, i);
  // A note's keys: counts by key id, and which ids it touched.
  let acc = new Int32Array(2 * ids.size + 2);
  const touched: number[] = [];

  // Dense arrays by key id (filled, never holey: a sparse array falls back to a slow dictionary).
  df = new Array(ids.size + 1).fill(0);
  // Postings held as (key, tf, len, doc) in one flat array (16 bytes each, no per-key objects);
  // notes come in rowid order, so each key's docs arrive ascending.
  // Sized from the words' postings (prefixes and pairs about double them), so it rarely grows.
  let held = new Int32Array(4 * Math.min(REBUILD_HOLD, 1024 + 2.5 * words.reduce((n, w) => n + w.df, 0)));
  let count = 0;
  const flush = () => {
    // Counting sort by key, then each key's postings by (tf, len), docs kept in arrival order.
    const at = new Int32Array(ids.size + 2);
    for (let i = 0; i < count; i++) at[held[4 * i]! + 1]!++;
    for (let k = 1; k < at.length; k++) at[k]! += at[k - 1]!;
    const order = new Int32Array(count);
    const next = at.slice();
    for (let i = 0; i < count; i++) order[next[held[4 * i]!]!++] = i;
    const groups: number[][] = [];
    let rows: number[] = [];
    for (let k = 0; k + 1 < at.length; k++) {
      if (at[k] === at[k + 1]) continue;
      const run = order.subarray(at[k]!, at[k + 1]!);
      if (run.length > 1)
        run.sort(
          (x, y) => held[4 * x + 1]! - held[4 * y + 1]! || held[4 * x + 2]! - held[4 * y + 2]! || x - y,
        );
      for (const i of run) {
        const tf = held[4 * i + 1]!;
        const last = groups.at(-1);
        if (last && last[0] === k && last[1] === tf) last[2]!++;
        else groups.push([k, tf, 1]);
        rows.push(k, tf, held[4 * i + 2]!, held[4 * i + 3]!);
      }
      if (rows.length >= 262144) {
        insertPostings(db, rows);
        rows = [];
      }
    }
    insertPostings(db, rows);
    countGroups(db, groups);
    count = 0;
  };
  const hold = (id: number, tf: number, len: number, doc: number) => {
    if (4 * count + 4 > held.length) {
      const grown = new Int32Array(Math.min(2 * held.length, 4 * REBUILD_HOLD + 4));
      grown.set(held);
      held = grown;
    }
    const at = 4 * count++;
    held[at] = id;
    held[at + 1] = tf;
    held[at + 2] = len;
    held[at + 3] = doc;
  };
  let docs = 0;
  let tokens = 0;
  for (const n of notes()) {
    const text = indexedText(n.path, n.content);
    touched.length = 0;
    const add = (id: number, tf: number) => {
      if (id >= acc.length) {
        const grown = new Int32Array(2 * id);
        grown.set(acc);
        acc = grown;
      }
      if (acc[id] === 0) touched.push(id);
      acc[id] = acc[id]! + tf;
    };
    for (const [t, tf] of text.counts) {
      const id = ids.get(t)!;
      add(id, tf);
      for (const p of prefixesOf(t, id)) add(p, tf);
    }
    for (const col of text.columns) {
      let prev = -1;
      for (const tok of col) {
        const id = commonIds.get(tok) ?? -1;
        if (prev >= 0 && id >= 0) {
          const both = prev * PAIR + id;
          let pair = pairIds.get(both);
          if (pair === undefined) {
            pair = idOf(pairKey(words[prev]!.term, words[id]!.term));
            pairIds.set(both, pair);
          }
          add(pair, 1);
        }
        prev = id;
      }
    }
    for (const id of touched) {
      const tf = acc[id]!;
      acc[id] = 0;
      df[id]!++;
      hold(id, tf, text.len, n.rowid);
    }
    docs++;
    tokens += text.len;
    if (count >= REBUILD_HOLD) flush();
  }
  flush();
  const terms = [...ids].map(([t, id]) => [id, t, df[id] ?? 0]);
  db.query(
    "INSERT INTO search_terms (id, term, df) SELECT value->>0, value->>1, value->>2 FROM json_each(?)",
  ).run(JSON.stringify(terms));
  db.query("INSERT INTO search_common SELECT value FROM json_each(?)").run(
    JSON.stringify([...commonIds.keys()]),
  );
  db.query("UPDATE search_stats SET docs = ?, tokens = ?, ready = 1, prefix_docs = ?").run(
    docs,
    tokens,
    docs,
  );
}
