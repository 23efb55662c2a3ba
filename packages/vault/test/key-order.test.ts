import { describe, expect, test } from "bun:test";
import { keyOrder } from "../src/core/search/rows.ts";

/** Rows as a merge makes them: documents in order, each with its keys; `big` widens the numbers. */
function rows(seed: number, docs: number, big: { term: number; tf: number; len: number }): Float64Array {
  let s = seed;
  const rand = (n: number) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor((s / 2147483648) * n);
  };
  const out: number[] = [];
  for (let doc = 1; doc <= docs; doc++) {
    const len = 1 + rand(big.len);
    for (let k = 0; k < 1 + rand(8); k++) out.push(rand(big.term), 1 + rand(big.tf), len, doc);
  }
  return new Float64Array(out);
}

/** The order by (term, tf, len, doc), compared field by field. */
function expected(keys: Float64Array): number[] {
  const idx = Array.from({ length: keys.length / 4 }, (_, i) => i);
  return idx.sort((a, b) => {
    for (let k = 0; k < 4; k++)
      if (keys[4 * a + k] !== keys[4 * b + k]) return keys[4 * a + k]! - keys[4 * b + k]!;
    return a - b;
  });
}

describe("the order a merge writes postings in", () => {
  test("is key order when the numbers fit the packed sort", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const keys = rows(seed, 300, { term: 50, tf: 4, len: 30 });
      expect([...keyOrder(keys)]).toEqual(expected(keys));
    }
  });

  test("is key order when they do not (huge term ids, counts or lengths)", () => {
    for (const big of [
      { term: 2 ** 31, tf: 4, len: 30 },
      { term: 50, tf: 2 ** 30, len: 30 },
      { term: 50, tf: 4, len: 2 ** 30 },
    ]) {
      const keys = rows(7, 200, big);
      expect([...keyOrder(keys)]).toEqual(expected(keys));
    }
  });

  test("of no rows is empty", () => {
    expect([...keyOrder(new Float64Array(0))]).toEqual([]);
  });
});
