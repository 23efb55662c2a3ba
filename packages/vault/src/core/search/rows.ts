import type { Database } from "bun:sqlite";
import { pairCounts } from "./pairs.ts";
import type { IndexedText } from "./pending.ts";
import { prefixCounts, prefixKey } from "./prefixes.ts";

/** One posting by key: (term, prefix or pair key, tf, len, doc). */
export type Row = [string, number, number, number];

/** What the index holds for a note: its words, its broad prefixes and its pairs of common words. */
export function noteKeys(text: IndexedText, prefixes: Set<string>, common: Set<string>): [string, number][] {
  const out: [string, number][] = [...text.counts];
  for (const [p, tf] of prefixCounts(text.counts, prefixes)) out.push([prefixKey(p), tf]);
  for (const kv of pairCounts(text, common)) out.push(kv);
  return out;
}

/**
 * Takes `gone` out of the postings and puts `added` in, with the keys' document frequencies and
 * `search_groups` moved to match. Rows go in key order, so neighbours share their pages.
 */
export function applyRows(db: Database, gone: Row[], added: Row[]): void {
  const df: Record<string, number> = {};
  for (const [k] of gone) df[k] = (df[k] ?? 0) - 1;
  for (const [k] of added) df[k] = (df[k] ?? 0) + 1;
  const terms = JSON.stringify(df);
  db.query(
    "INSERT INTO search_terms (term, df) SELECT key, value FROM json_each(?) WHERE value != 0 ON CONFLICT (term) DO UPDATE SET df = df + excluded.df",
  ).run(terms);
  const ids = new Map(
    (
      db
        .query("SELECT term, id FROM search_terms WHERE term IN (SELECT key FROM json_each(?))")
        .all(terms) as {
        term: string;
        id: number;
      }[]
    ).map((r) => [r.term, r.id]),
  );
  const groups = new Map<string, number>();
  const keyed = (rows: Row[], sign: 1 | -1) => {
    const out = rows.map(([term, ...rest]) => [ids.get(term)!, ...rest]);
    for (const [term, tf] of out) groups.set(`${term}:${tf}`, (groups.get(`${term}:${tf}`) ?? 0) + sign);
    return out.sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]! || x[3]! - y[3]!);
  };
  db.query(
    "DELETE FROM search_postings WHERE (term, tf, len, doc) IN (SELECT value->>0, value->>1, value->>2, value->>3 FROM json_each(?))",
  ).run(JSON.stringify(keyed(gone, -1)));
  insertPostings(db, keyed(added, 1).flat());
  countGroups(
    db,
    [...groups].filter(([, n]) => n !== 0).map(([k, n]) => [...k.split(":").map(Number), n]),
  );
}

/** Adds (term, tf, change) rows to `search_groups`. */
export function countGroups(db: Database, rows: number[][]): void {
  db.query(
    "INSERT INTO search_groups SELECT value->>0, value->>1, value->>2 FROM json_each(?) WHERE true ON CONFLICT (term, tf) DO UPDATE SET n = n + excluded.n",
  ).run(JSON.stringify(rows));
  db.query(
    "DELETE FROM search_groups WHERE (term, tf) IN (SELECT value->>0, value->>1 FROM json_each(?)) AND n = 0",
  ).run(JSON.stringify(rows));
}

/** Rows per INSERT statement: bound values cost about half what the same rows parsed from JSON do. */
const INSERT_ROWS = 256;

/** Inserts (term id, tf, len, doc) rows, four numbers each in `flat`, in the order given. */
export function insertPostings(db: Database, flat: number[]): void {
  const values = (n: number) =>
    `INSERT INTO search_postings VALUES ${"(?, ?, ?, ?), ".repeat(n).slice(0, -2)}`;
  const full = db.query(values(INSERT_ROWS));
  const step = 4 * INSERT_ROWS;
  let i = 0;
  for (; i + step <= flat.length; i += step) full.run(...flat.slice(i, i + step));
  const one = db.query(values(1));
  for (; i < flat.length; i += 4) one.run(flat[i]!, flat[i + 1]!, flat[i + 2]!, flat[i + 3]!);
}
