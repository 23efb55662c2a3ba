import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { VaultError } from "../src/core/errors.ts";
import { NoteStore } from "../src/core/notes.ts";
import { queryNotes } from "../src/core/query.ts";
import { ConjunctionStream } from "../src/core/search/conjunction.ts";
import { tokenize } from "../src/core/search/tokens.ts";
import { WorkBudget } from "../src/core/search/work-budget.ts";
import { openVaultDb } from "../src/core/vault-db.ts";

/** A seeded generator, so a failure names the seed that reproduces it. */
function rng(seed: number) {
  let s = Math.imul(seed, 2654435761) >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  for (let i = 0; i < 8; i++) next();
  return next;
}

// A skewed vocabulary: a few words in most notes, most in few — the shape that makes ties and deep
// walks. Three letters keep prefixes meaningful: a* expands to twelve words, ab* to four.
const WORDS = Array.from({ length: 60 }, (_, i) =>
  [i % 5, Math.floor(i / 5) % 3, Math.floor(i / 15)].map((c) => String.fromCharCode(97 + c)).join(""),
);
/** A word cut to one or two letters, as typed. */
const typed = (r: () => number) => word(r).slice(0, r() < 0.4 ? 1 : 2);
const word = (r: () => number) => WORDS[Math.min(WORDS.length - 1, Math.floor(WORDS.length ** r()) - 1)]!;
const text = (r: () => number) =>
  Array.from({ length: 1 + Math.floor(r() * 30) }, () => word(r)).join(r() < 0.2 ? ", " : " ");

/** bm25 from first principles over the notes table: the reference the index must equal. */
function bruteForce(db: Database, phrases: { terms: string[]; prefix: boolean }[], tag?: string) {
  const notes = db.query("SELECT rowid, id, path, content FROM notes ORDER BY rowid").all() as {
    rowid: number;
    id: string;
    path: string;
    content: string;
  }[];
  const split = (s: string) => s.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  const docs = notes.map((n) => ({ ...n, cols: [split(n.path), split(n.content)] }));
  const tokens = docs.reduce((a, d) => a + d.cols[0]!.length + d.cols[1]!.length, 0);
  const count = (cols: string[][], p: { terms: string[]; prefix: boolean }) => {
    let c = 0;
    for (const col of cols)
      for (let i = 0; i + p.terms.length <= col.length; i++)
        if (
          p.terms.every((t, j) =>
            p.prefix && j === p.terms.length - 1 ? col[i + j]!.startsWith(t) : col[i + j] === t,
          )
        )
          c++;
    return c;
  };
  const avgdl = tokens / docs.length;
  const weights = phrases.map((p) => {
    const hits = docs.filter((d) => count(d.cols, p) > 0).length;
    const v = Math.log((docs.length - hits + 0.5) / (hits + 0.5));
    return phrases.length === 1 ? 1 : v <= 0 ? 1e-6 : v;
  });
  const tagged = tag
    ? new Set(
        (db.query("SELECT note_id FROM tags WHERE tag = ?").all(tag) as { note_id: string }[]).map(
          (r) => r.note_id,
        ),
      )
    : null;
  const scored: { id: string; rowid: number; score: number }[] = [];
  for (const d of docs) {
    if (tagged && !tagged.has(d.id)) continue;
    const len = d.cols[0]!.length + d.cols[1]!.length;
    let score = 0;
    let all = true;
    for (const [i, p] of phrases.entries()) {
      const tf = count(d.cols, p);
      if (tf === 0) all = false;
      score += weights[i]! * ((tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * len) / avgdl)));
    }
    if (all) scored.push({ id: d.id, rowid: d.rowid, score });
  }
  return scored.sort((a, b) => b.score - a.score || a.rowid - b.rowid);
}

function randomQuery(r: () => number): { search: string; phrases: { terms: string[]; prefix: boolean }[] } {
  const kind = Math.floor(r() * 6);
  if (kind === 5) {
    const ws = [word(r), word(r), r() < 0.3 ? typed(r) : word(r)];
    const last = ws[2]!.length < 3;
    return {
      search: `${ws.join(" ")}${last ? "*" : ""}`,
      phrases: ws.map((w, i) => ({ terms: [w], prefix: last && i === 2 })),
    };
  }
  if (kind === 0) {
    const w = word(r);
    return { search: w, phrases: [{ terms: [w], prefix: false }] };
  }
  if (kind === 1) {
    const a = word(r),
      b = word(r);
    return {
      search: `${a} ${b}`,
      phrases: [
        { terms: [a], prefix: false },
        { terms: [b], prefix: false },
      ],
    };
  }
  if (kind === 2) {
    const ws = Array.from({ length: r() < 0.3 ? 3 : 2 }, () => word(r));
    return { search: `"${ws.join(" ")}"`, phrases: [{ terms: ws, prefix: false }] };
  }
  if (kind === 3) {
    const p = typed(r);
    return { search: `${p}*`, phrases: [{ terms: [p], prefix: true }] };
  }
  const a = word(r),
    p = typed(r);
  return {
    search: `${a} ${p}*`,
    phrases: [
      { terms: [a], prefix: false },
      { terms: [p], prefix: true },
    ],
  };
}

/** The index's top k equals brute force's, ties aside: the same score at every rank. */
function expectExact(store: NoteStore, seed: number, r: () => number) {
  const q = randomQuery(r);
  const tag = r() < 0.3 ? `t${Math.floor(r() * 3)}` : undefined;
  const limit = 1 + Math.floor(r() * 25);
  const want = bruteForce(store.db, q.phrases, tag).slice(0, limit);
  const got = queryNotes(store, { search: q.search, limit, ...(tag ? { tag: [tag] } : {}) }).notes;
  const scoreOf = new Map(bruteForce(store.db, q.phrases, tag).map((s) => [s.id, s.score]));
  const context = `seed ${seed}, search ${q.search}${tag ? ` tag ${tag}` : ""}`;
  expect(got.length, context).toBe(want.length);
  for (const [i, n] of got.entries()) {
    expect(scoreOf.get(n.id), `${context} rank ${i}`).toBeCloseTo(want[i]!.score, 9);
  }
}

/** Runs `fn` on a fresh vault store in a temp folder, removed afterwards whatever happens. */
function withStore(fn: (v: { db: Database; store: NoteStore }) => void): void {
  const { dir, db, store } = tempStore();
  try {
    fn({ db, store });
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function tempStore() {
  const dir = mkdtempSync(join(tmpdir(), "vault-search-"));
  const db = openVaultDb(join(dir, "vault.db"));
  return { dir, db, store: new NoteStore(db, () => Date.now()) };
}

describe("ranked search index", () => {
  test("tokenizes ASCII exactly as FTS5's unicode61 does, and hands other text to FTS5", () => {
    const db = new Database(":memory:");
    db.exec(
      "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 2'); CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance');",
    );
    const r = rng(7);
    const extra = ["é", "ß", "İ", "Ω", "日本", "🙂", "\u0301", "ﬁ", "Ⅻ", "\u00a0"];
    for (let i = 0; i < 3000; i++) {
      let s = "";
      for (let k = Math.floor(r() * 24); k > 0; k--)
        s += r() < 0.1 ? extra[Math.floor(r() * extra.length)] : String.fromCharCode(Math.floor(r() * 128));
      db.exec("DELETE FROM t");
      db.query("INSERT INTO t (rowid, x) VALUES (1, ?)").run(s);
      const ref: string[] = [];
      for (const row of db.query("SELECT term, offset FROM v").all() as { term: string; offset: number }[])
        ref[row.offset] = row.term;
      expect(tokenize(s), JSON.stringify(s)).toEqual(ref);
    }
  });

  test("the top results equal brute-force bm25 for random searches, merged or not (property)", () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      withStore(({ store }) => {
        const r = rng(seed);
        store.search.mergeAt = 1 + Math.floor(r() * 80);
        store.search.broadAt = 20 + Math.floor(r() * 200); // some prefixes get postings, some not
        store.search.commonAt = 5 + Math.floor(r() * 60); // and some pairs of words
        for (let i = 0; i < 250; i++) store.create({ path: `p/${i}`, content: text(r), tags: [`t${i % 3}`] });
        for (let q = 0; q < 40; q++) expectExact(store, seed, r);
        store.search.merge();
        for (let q = 0; q < 40; q++) expectExact(store, seed, r);
      });
    }
  });

  test("agrees with FTS5's own bm25 order on the searches both answer", () => {
    withStore(({ db, store }) => {
      const r = rng(11);
      for (let i = 0; i < 300; i++) store.create({ path: `p/${i}`, content: text(r) });
      store.search.ftsCurrent(); // FTS5 is read directly here
      for (let q = 0; q < 60; q++) {
        const { search } = randomQuery(r);
        const fts = (
          db
            .query(
              "SELECT rowid, bm25(notes_fts) AS s FROM notes_fts WHERE notes_fts MATCH ? ORDER BY s, rowid LIMIT 10",
            )
            .all(search) as { s: number }[]
        ).map((x) => -x.s);
        const got = queryNotes(store, { search, limit: 10 }).notes.map((n) => n.id);
        expect(got.length, search).toBe(fts.length);
        const fscore = new Map(
          (
            db
              .query(
                "SELECT n.id, bm25(notes_fts) AS s FROM notes_fts JOIN notes n ON n.rowid = notes_fts.rowid WHERE notes_fts MATCH ?",
              )
              .all(search) as { id: string; s: number }[]
          ).map((x) => [x.id, -x.s]),
        );
        for (const [i, id] of got.entries()) expect(fscore.get(id), search).toBeCloseTo(fts[i]!, 9);
      }
    });
  });

  test("stays consistent through random creates, edits, renames and deletes (property)", () => {
    for (const seed of [21, 22, 23]) {
      withStore(({ db, store }) => {
        const r = rng(seed);
        store.search.mergeAt = 1 + Math.floor(r() * 40);
        store.search.broadAt = 20 + Math.floor(r() * 100);
        store.search.commonAt = 5 + Math.floor(r() * 40);
        store.search.lookChunk = 1 + Math.floor(r() * 20); // a look spread over many writes
        const ids: string[] = [];
        for (let op = 0; op < 400; op++) {
          const pick = ids.length ? ids[Math.floor(r() * ids.length)]! : null;
          const kind = r();
          if (!pick || kind < 0.4) ids.push(store.create({ path: `p/${op}`, content: text(r) }).id);
          else if (kind < 0.65) store.update(pick, { content: text(r) });
          else if (kind < 0.8) store.update(pick, { path: `moved/${op}` });
          else if (kind < 0.9) store.update(pick, { append: ` ${text(r)}` });
          else {
            store.delete(pick);
            ids.splice(ids.indexOf(pick), 1);
          }
          if (op % 50 === 0) expectExact(store, seed, r);
        }
        for (let q = 0; q < 20; q++) expectExact(store, seed, r);
        expect(expectIndexMatchesRebuild(db, store)).toBeGreaterThan(0);
      });
    }
  });

  test("survives kill -9 mid-write and mid-merge: nothing half-applied, searches still exact", async () => {
    const { dir, db, store } = tempStore();
    db.close();
    void store;
    try {
      for (let round = 0; round < 3; round++) {
        const child = spawn(
          process.execPath,
          [join(import.meta.dir, "fixtures", "search-writer.ts"), join(dir, "vault.db"), String(round)],
          { stdio: ["ignore", "pipe", "inherit"] },
        );
        // Kill once it has written a while (it prints a line per 25 writes).
        await new Promise<void>((resolve, reject) => {
          let lines = 0;
          child.stdout!.on("data", (b: Buffer) => {
            lines += b.toString().split("\n").length - 1;
            if (lines >= 4 + round * 3) {
              child.kill("SIGKILL");
              resolve();
            }
          });
          child.on("exit", (code) =>
            code === null ? resolve() : reject(new Error(`writer exited ${code}`)),
          );
        });
        await new Promise((res) => child.on("close", res));
        const db2 = openVaultDb(join(dir, "vault.db"));
        const store2 = new NoteStore(db2, () => Date.now());
        try {
          const r = rng(100 + round);
          for (let q = 0; q < 30; q++) expectExact(store2, round, r);
          expectIndexMatchesRebuild(db2, store2);
        } finally {
          db2.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("long tokens: prefixes past 32 characters get no postings, so a note of them costs what any does", () => {
    withStore(({ db, store }) => {
      store.search.broadAt = 5;
      store.search.mergeAt = 4;
      const long = "q".repeat(200_000);
      // With a prefix per character, each of these notes would cost 200k strings of up to 200k.
      for (let i = 0; i < 30; i++) store.create({ path: `l/${i}`, content: `${long}${i % 3} qq${i} end` });
      store.search.merge();
      for (const search of ["qq*", "q*", `${long.slice(0, 40)}*`, "end qq*"]) {
        const want = bruteForce(
          db,
          search.split(" ").map((w) => ({ terms: [w.replace("*", "")], prefix: w.endsWith("*") })),
        );
        const got = queryNotes(store, { search, limit: 10 }).notes.map((n) => n.id);
        expect(got, search.slice(0, 50)).toEqual(want.slice(0, 10).map((w) => w.id));
      }
      expect(
        (db.query("SELECT max(length(term)) AS n FROM search_terms WHERE term < '+'").get() as { n: number })
          .n,
      ).toBeLessThanOrEqual(33);
    });
  });

  test("a phrase over notes of megabytes leaves them to FTS5 once it has read 8 MB of text", () => {
    withStore(({ db, store }) => {
      const big = `${"zq ".repeat(330_000)}zz`; // ~1 MB each, the phrase at the very end
      store.createMany(Array.from({ length: 9 }, (_, i) => ({ path: `big/${i}`, content: big })));
      store.create({ path: "small", content: "zq zz" });
      store.search.merge();
      const phrase = [{ terms: ["zq", "zz"], prefix: false }];
      expect(store.search.ranked(phrase, { where: [], args: [] }, 20)).toBeNull();
      const got = queryNotes(store, { search: '"zq zz"', limit: 20 }).notes.map((n) => n.id);
      expect(got).toEqual(bruteForce(db, phrase).map((b) => b.id));
    });
  });

  test("a search that would make FTS5 walk too many postings is refused; the ranked ones still answer", () => {
    withStore(({ store }) => {
      for (let i = 0; i < 30; i++) store.create({ path: `p/${i}`, content: "apple apricot zebra" });
      store.search.merge();
      store.search.budget = 40; // postings; "ap*" holds 60, "apple" and "zebra" 30 each
      const refused = (search: string, sort?: "updated_desc") => {
        try {
          queryNotes(store, { search, ...(sort ? { sort } : {}) });
          return null;
        } catch (err) {
          return (err as { code?: string }).code;
        }
      };
      // bm25's n for the phrase "apple ap*" would be counted by FTS5, over 90 postings
      expect(refused('zebra "apple ap"*')).toBe("search_too_broad");
      expect(refused("apple OR zebra")).toBe("search_too_broad"); // FTS5's own syntax
      // FTS5 reads a character past ASCII as part of a word: "ap\u200b*" is its "ap*", counted so.
      expect(refused(Array(10).fill("ap\u200b*").join(" "))).toBe("search_too_broad");
      expect(refused("ap*", "updated_desc")).toBe("search_too_broad");
      // The index answers these without FTS5 walking the postings: not refused.
      expect(queryNotes(store, { search: "ap*" }).notes).toHaveLength(30);
      expect(queryNotes(store, { search: "zebra ap*" }).notes).toHaveLength(30);
      expect(queryNotes(store, { search: "apple zebra apricot" }).notes).toHaveLength(30);
      expect(queryNotes(store, { search: "zebra", sort: "updated_desc" }).notes).toHaveLength(30);
    });
  });

  test("a NEAR group or a phrase FTS5 answers is counted by its words' occurrences, not their notes", () => {
    withStore(({ store }) => {
      store.create({ path: "one-word", content: "zq ".repeat(5000) });
      store.create({ path: "plain", content: "zq zz" });
      store.search.merge();
      store.search.budget = 40_000; // "zq" is in 2 notes but occurs 5,001 times
      const code = (search: string) => {
        try {
          queryNotes(store, { search });
          return null;
        } catch (err) {
          return (err as { code?: string }).code;
        }
      };
      // Ten "zq" in a NEAR group: 50,010 positions to walk, where their notes count 20.
      expect(code(`NEAR(${Array(10).fill("zq").join(" ")}, 0)`)).toBe("search_too_broad");
      expect(code(`"${Array(10).fill("zq").join(" ")}" OR zz`)).toBe("search_too_broad");
      // Few enough occurrences, or words alone, are answered.
      expect(code("NEAR(zq zz, 2)")).toBeNull();
      expect(code("zq OR zz")).toBeNull();
      expect(queryNotes(store, { search: "zq" }).notes).toHaveLength(2);
    });
  });

  test("several words: a stream past its time gives up (FTS5 answers), and NUL in a search is refused", () => {
    withStore(({ db, store }) => {
      for (let i = 0; i < 40; i++)
        store.create({ path: `p/${i}`, content: "apple zebra ".repeat(1 + (i % 5)) });
      store.search.merge();
      const ids = ["apple", "zebra"].map((t) => ({
        id: (db.query("SELECT id FROM search_terms WHERE term = ?").get(t) as { id: number }).id,
        weight: 1,
      }));
      const corpus = store.search.stats();
      expect(new ConjunctionStream(db, ids, corpus, 0).next()).toBe("too-deep");
      expect(new ConjunctionStream(db, ids, corpus).next()).toMatchObject({ doc: expect.any(Number) });
      expect(() => queryNotes(store, { search: "apple\0zebra" })).toThrow(/NUL/);
    });
  });

  test("big notes are merged by size, not only by count; a log too big to score leaves searches to FTS5", () => {
    withStore(({ db, store }) => {
      const r = rng(12);
      for (let i = 0; i < 20; i++) store.create({ path: `p/${i}`, content: text(r) });
      // Two notes of ~0.6 MB pass the 1 MB of logged text a write merges at, though far below 2,000 notes.
      store.createMany(
        [0, 1].map((i) => ({ path: `big/${i}`, content: `${text(r)} `.repeat(600_000 / 40) })),
      );
      const logged = () =>
        db.query("SELECT count(*) AS n, coalesce(sum(chars), 0) AS chars FROM search_dirty").get();
      expect((logged() as { chars: number }).chars).toBeLessThan(1_000_000);
      expect(store.search.behind()).toBe(false);
      // A log past what searches score from memory: FTS5 answers, with the same results.
      for (let i = 0; i < 5; i++) store.update(`p/${i}`, { content: text(r) });
      db.exec("UPDATE search_dirty SET chars = 5000000 WHERE doc = (SELECT min(doc) FROM search_dirty)");
      expect(
        store.search.ranked([{ terms: [word(r)], prefix: false }], { where: [], args: [] }, 10),
      ).toBeNull();
      for (let q = 0; q < 10; q++) expectExact(store, 12, r);
      expectIndexMatchesRebuild(db, store);
    });
  });

  test("broad FTS5 searches draw on a budget over time: past it they are refused for a moment, not queued", () => {
    withStore(({ store }) => {
      for (let i = 0; i < 30; i++) store.create({ path: `p/${i}`, content: "apple apricot zebra" });
      store.search.merge();
      let now = 0;
      store.search.load = new WorkBudget(() => now, 100, 50); // postings: 100 at once, 50 a second
      const answer = (search: string) => {
        try {
          return queryNotes(store, { search }).notes.length;
        } catch (err) {
          return `${(err as VaultError).code} ${JSON.stringify((err as VaultError).details)}`;
        }
      };
      expect(answer("apple OR zebra")).toBe(30); // 60 postings
      expect(answer("apple OR zebra")).toBe('search_busy {"retry_after":1}'); // 40 left
      now += 1000; // refilled to 90
      expect(answer("apple OR zebra")).toBe(30);
      expect(answer("zebra")).toBe(30); // the index's own searches never draw on it
      // bm25's n for "apple ap"* is FTS5's work (apple's 30, and ap*'s 60 postings plus 20 for each of
      // its 2 words) with 30 left: refused, the whole search being 160
      expect(answer('zebra "apple ap"*')).toBe('search_busy {"retry_after":3}');
      now += 3000;
      expect(answer('zebra "apple ap"*')).toBe(30);
      // Work the index did and gave up on (a conjunction past its time) is charged after the fact.
      const budget = new WorkBudget(() => now, 100, 50);
      budget.spend(150);
      expect(budget.take(10)).toBe(2); // 50 owed, then 10: two seconds of refill
      now += 2000;
      expect(budget.take(10)).toBe(0);
    });
  });

  test("writes while a bulk import holds FTS5 back (edits, deletes, creates) are all in it after the rebuild", () => {
    withStore(({ db, store }) => {
      const r = rng(9);
      for (let i = 0; i < 50; i++) store.create({ path: `p/${i}`, content: text(r) });
      store.search.markStale();
      for (let i = 0; i < 5; i++) store.update(`p/${i}`, { content: `plum ${text(r)}` });
      for (let i = 5; i < 10; i++) store.delete(`p/${i}`);
      for (let i = 0; i < 5; i++) store.create({ path: `q/${i}`, content: `plum ${text(r)}` });
      store.search.rebuild();
      db.exec("INSERT INTO notes_fts (notes_fts, rank) VALUES ('integrity-check', 1)");
      expect(db.query("SELECT count(*) AS n FROM notes_fts WHERE notes_fts MATCH 'plum'").get()).toEqual({
        n: 10,
      });
      for (let q = 0; q < 20; q++) expectExact(store, 9, r);
    });
  });

  test("a lost index is rebuilt at open, and searches use FTS5 meanwhile", () => {
    withStore(({ db, store }) => {
      const r = rng(5);
      for (let i = 0; i < 100; i++) store.create({ path: `p/${i}`, content: text(r) });
      store.search.markStale();
      expectExact(store, 5, r); // answered by FTS5: same results
      db.exec("DELETE FROM search_postings");
      const again = new NoteStore(db, () => Date.now());
      expect(again.search.stats()).toMatchObject({ docs: 100, ready: true });
      for (let q = 0; q < 20; q++) expectExact(again, 5, r);
    });
  });
});

/** After merging, the postings, terms and totals are exactly what a rebuild from the notes makes. */
/**
 * The index after its writes equals one rebuilt from the notes, word for word; and every prefix
 * with postings of its own holds exactly the sums of its words' (a rebuild may choose other prefixes).
 * Returns how many prefixes had postings before the rebuild.
 */
function expectIndexMatchesRebuild(db: Database, store: NoteStore): number {
  store.search.merge();
  // FTS5 has taken its log (merge applies it) and equals the notes.
  expect(db.query("SELECT count(*) AS n FROM fts_dirty").get()).toEqual({ n: 0 });
  db.exec("INSERT INTO notes_fts (notes_fts, rank) VALUES ('integrity-check', 1)");
  const snapshot = () => ({
    postings: db
      .query(
        "SELECT t.term, p.tf, p.len, p.doc FROM search_postings p JOIN search_terms t ON t.id = p.term WHERE t.term > '+' ORDER BY 1, 4",
      )
      .all(),
    terms: db.query("SELECT term, df FROM search_terms WHERE df > 0 AND term > '+' ORDER BY term").all(),
    groups: db
      .query(
        "SELECT t.term, g.tf, g.n FROM search_groups g JOIN search_terms t ON t.id = g.term WHERE t.term > '+' ORDER BY 1, 2",
      )
      .all(),
    stats: store.search.stats(),
  });
  const prefixes = () => {
    const out: Record<string, unknown> = {};
    for (const { id, term, df } of db
      .query("SELECT id, term, df FROM search_terms WHERE term >= '*' AND term < '+'")
      .all() as { id: number; term: string; df: number }[]) {
      const own = db.query("SELECT tf, len, doc FROM search_postings WHERE term = ? ORDER BY doc").all(id);
      const summed = db
        .query(
          "SELECT sum(p.tf) AS tf, p.len, p.doc FROM search_postings p JOIN search_terms t ON t.id = p.term WHERE t.term GLOB ? GROUP BY p.doc ORDER BY p.doc",
        )
        .all(`${term.slice(1)}*`);
      expect(own, term).toEqual(summed);
      expect(df, term).toBe(summed.length);
      const groups = db.query("SELECT tf, n FROM search_groups WHERE term = ? ORDER BY tf").all(id);
      const counted = db
        .query("SELECT tf, count(*) AS n FROM search_postings WHERE term = ? GROUP BY tf ORDER BY tf")
        .all(id);
      expect(groups, term).toEqual(counted);
      out[term] = own.length;
    }
    return Object.keys(out).length;
  };
  // Every pair of common words side by side in a note, counted from the notes themselves.
  const pairs = () => {
    const common = new Set(
      (db.query("SELECT term FROM search_common").all() as { term: string }[]).map((r) => r.term),
    );
    const want: string[] = [];
    for (const n of db.query("SELECT rowid, path, content FROM notes").all() as {
      rowid: number;
      path: string;
      content: string;
    }[]) {
      const cols = [tokenize(n.path), tokenize(n.content)];
      const counts = new Map<string, number>();
      for (const col of cols)
        for (let i = 0; i + 1 < col.length; i++)
          if (common.has(col[i]!) && common.has(col[i + 1]!))
            counts.set(`${col[i]} ${col[i + 1]}`, (counts.get(`${col[i]} ${col[i + 1]}`) ?? 0) + 1);
      const len = cols[0]!.length + cols[1]!.length;
      for (const [k, tf] of counts) want.push(`"${k}:${tf}:${len}:${n.rowid}`);
    }
    const got = (
      db
        .query(
          "SELECT t.term, p.tf, p.len, p.doc FROM search_postings p JOIN search_terms t ON t.id = p.term WHERE t.term < '*'",
        )
        .all() as { term: string; tf: number; len: number; doc: number }[]
    ).map((x) => `${x.term}:${x.tf}:${x.len}:${x.doc}`);
    expect(got.sort()).toEqual(want.sort());
    const dfs = db.query("SELECT term, df FROM search_terms WHERE term < '*' AND df > 0 ORDER BY term").all();
    const counted = new Map<string, number>();
    for (const w of want) {
      const k = w.slice(0, w.indexOf(":"));
      counted.set(k, (counted.get(k) ?? 0) + 1);
    }
    expect(dfs).toEqual(
      [...counted].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([term, df]) => ({ term, df })),
    );
    return common.size;
  };
  pairs();
  const had = prefixes();
  const before = snapshot();
  store.search.rebuild();
  expect(before).toEqual(snapshot());
  prefixes();
  pairs();
  return had;
}
