import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NoteStore } from "../src/core/notes.ts";
import { queryNotes } from "../src/core/query.ts";
import { importFolder } from "../src/core/transfer.ts";
import { openVaultDb } from "../src/core/vault-db.ts";

/** A store over a vault file of its own, and that file's path (for a second connection). */
function withStore(fn: (v: { db: Database; store: NoteStore; file: string }) => void | Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "vault-fts-"));
    const file = join(dir, "vault.db");
    const db = openVaultDb(file);
    try {
      await fn({ db, store: new NoteStore(db, () => Date.now()), file });
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const paths = (store: NoteStore, search: string) =>
  queryNotes(store, { search, sort: "path_asc" }).notes.map((n) => n.path);
const integrity = (db: Database) =>
  db.exec("INSERT INTO notes_fts (notes_fts, rank) VALUES ('integrity-check', 1)");

/** FTS5 follows the notes through a log it takes in batches (ADR 0010). */
describe("FTS5's log of writes", () => {
  test(
    "FTS5 takes writes in batches, yet every search it answers sees each write at once",
    withStore(({ db, store }) => {
      store.search.mergeAt = 1000; // no merge in this test: FTS5 is brought up to date by the reads
      const a = store.create({ path: "fruit/a", content: "plum and pear" });
      store.create({ path: "fruit/b", content: "plum only" });
      const c = store.create({ path: "fruit/c", content: "pear only" });
      expect(db.query("SELECT count(*) AS n FROM fts_dirty").get()).toEqual({ n: 3 });
      const ids = (q: Parameters<typeof queryNotes>[1]) => queryNotes(store, q).notes.map((n) => n.path);
      // OR is FTS5's own syntax; a date order with a search filters by FTS5 too.
      expect(ids({ search: "plum OR pear", sort: "path_asc" })).toEqual(["fruit/a", "fruit/b", "fruit/c"]);
      expect(db.query("SELECT count(*) AS n FROM fts_dirty").get()).toEqual({ n: 0 });
      store.update(a.id, { content: "apricot" });
      store.delete(c.id);
      store.update("fruit/b", { path: "fruit/plum-pear" });
      expect(ids({ search: "pear", sort: "path_asc" })).toEqual(["fruit/plum-pear"]);
      expect(ids({ search: "plum NOT apricot" })).toEqual(["fruit/plum-pear"]);
      expect(ids({ search: "apricot OR nothing" })).toEqual(["fruit/a"]);
      // A phrase whose note count FTS5 gives (bm25's n) counts the notes as they are now.
      store.create({ path: "fruit/d", content: "ripe plum pie, ripe plum jam" });
      store.create({ path: "fruit/e", content: "plum jam" });
      expect(ids({ search: '"ripe plum" jam' })).toEqual(["fruit/d"]);
      expect(db.query("SELECT count(*) AS n FROM fts_dirty").get()).toEqual({ n: 0 });
      store.update("fruit/e", { content: "ripe plum jam" });
      expect(ids({ search: '"ripe plum" jam' }).sort()).toEqual(["fruit/d", "fruit/e"]);
      store.search.ftsCurrent();
      db.exec("INSERT INTO notes_fts (notes_fts, rank) VALUES ('integrity-check', 1)");
    }),
  );

  test(
    "a vault left with FTS5 stale (a reindex or import killed before its end) rebuilds it at open",
    withStore(({ db, store, file }) => {
      store.create({ path: "a", content: "plum" });
      db.exec("UPDATE search_stats SET fts_ready = 0"); // what a killed bulk import leaves
      store.create({ path: "b", content: "plum pear" }); // FTS5 does not follow writes meanwhile
      store.update("a", { content: "apricot" });
      const again = openVaultDb(file);
      try {
        const reopened = new NoteStore(again, () => Date.now());
        expect(reopened.search.stats()).toMatchObject({ ready: true, ftsReady: true });
        expect(paths(reopened, "plum OR nothing")).toEqual(["b"]);
        expect(paths(reopened, "apricot OR nothing")).toEqual(["a"]);
        integrity(again);
      } finally {
        again.close();
      }
    }),
  );

  test(
    "a bulk import that fails part-way leaves what it wrote searchable, not both indexes frozen",
    withStore(async ({ store }) => {
      const dir = mkdtempSync(join(tmpdir(), "vault-import-"));
      try {
        store.create({ path: "notes/n2500", content: "already here" });
        mkdirSync(join(dir, "notes"));
        for (let i = 0; i < 2600; i++) writeFileSync(join(dir, "notes", `n${i}.md`), `kiwi w${i}\n`);
        await expect(importFolder(store, dir)).rejects.toThrow(/already exists/);
        expect(store.search.stats()).toMatchObject({ ready: true, ftsReady: true });
        // The notes written before the failure (whole batches) are found, by both engines.
        const found = queryNotes(store, { search: "kiwi", limit: 500 }).notes.length;
        expect(found).toBeGreaterThan(0);
        expect(queryNotes(store, { search: "kiwi OR nothing", limit: 500 }).notes.length).toBe(found);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
  );

  test(
    "a search never waits for another process's write lock to bring FTS5 up to date",
    withStore(({ db, store, file }) => {
      db.exec("PRAGMA busy_timeout = 20000"); // were it to wait, the search would take 20 s and fail
      store.create({ path: "a", content: "plum" });
      store.search.ftsCurrent();
      store.create({ path: "b", content: "plum pear" }); // logged, not yet in FTS5
      const other = new Database(file);
      try {
        other.exec("BEGIN IMMEDIATE"); // a reindex in another process, say
        // FTS5 answers as it stands; the index answers everything it can, exactly.
        expect(paths(store, "plum OR nothing")).toEqual(["a"]);
        const ranked = queryNotes(store, { search: "plum" }).notes.map((n) => n.path);
        expect(ranked.sort()).toEqual(["a", "b"]);
        other.exec("ROLLBACK");
        expect(paths(store, "plum OR nothing")).toEqual(["a", "b"]);
        integrity(db);
      } finally {
        other.close();
      }
    }),
  );
});
