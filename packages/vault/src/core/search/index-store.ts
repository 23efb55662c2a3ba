import type { Database } from "bun:sqlite";
import { lockedError } from "../errors.ts";
import { COMMON, GROW_MAX, loadCommon, pairCounts, pairKey } from "./pairs.ts";
import { indexedText, PendingNotes } from "./pending.ts";
import { BROAD, buildPrefix, loadPrefixes, PrefixWalk, prefixSpread } from "./prefixes.ts";
import type { Phrase } from "./query-shape.ts";
import { type Filters, rankedSearch } from "./ranked.ts";
import { rebuildPostings } from "./rebuild.ts";
import { applyRows, noteKeys, type Row } from "./rows.ts";
import { tokenize } from "./tokens.ts";
import { WorkBudget } from "./work-budget.ts";

/**
 * The ranked-search index's tables, kept beside FTS5 in the vault file (ADR 0010):
 * - `search_terms`: every term with its document frequency;
 * - `search_postings`: one row per (term, note), keyed (term, tf, len, doc) so the notes that score
 *   best for a term are found by seeking, never by scanning all that hold it (see ranked.ts);
 * - `search_stats`: notes and tokens indexed (bm25's N and average length) and whether the index is
 *   complete (`ready`);
 * - `search_dirty`: notes written since the last merge, filled by triggers on `notes` (with the
 *   text that was indexed before), so no write can skip the index;
 * - `search_groups` (migration 8, `SEARCH_GROUPS`): how many postings each (term, tf) holds;
 * - broad prefixes' postings, as terms `*prefix` (prefixes.ts), and pairs of common words', as terms
 *   `"a b` (pairs.ts), with the common words in `search_common` and in `search_stats.prefix_docs`
 *   the number of notes when the vault was last searched for new ones (migration 10).
 */
export const SEARCH_SCHEMA = `
  CREATE TABLE search_terms (id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE, df INTEGER NOT NULL);
  CREATE TABLE search_postings (
    term INTEGER NOT NULL, tf INTEGER NOT NULL, len INTEGER NOT NULL, doc INTEGER NOT NULL,
    PRIMARY KEY (term, tf, len, doc)
  ) WITHOUT ROWID;
  CREATE TABLE search_stats (
    id INTEGER PRIMARY KEY CHECK (id = 1), docs INTEGER NOT NULL, tokens INTEGER NOT NULL, ready INTEGER NOT NULL
  );
  INSERT INTO search_stats VALUES (1, 0, 0, 0);
  CREATE TABLE search_dirty (doc INTEGER PRIMARY KEY, old_path TEXT, old_content TEXT);
  CREATE TRIGGER search_dirty_insert AFTER INSERT ON notes BEGIN
    INSERT OR IGNORE INTO search_dirty (doc) VALUES (new.rowid);
  END;
  CREATE TRIGGER search_dirty_update AFTER UPDATE OF path, content ON notes BEGIN
    INSERT OR IGNORE INTO search_dirty VALUES (old.rowid, old.path, old.content);
  END;
  CREATE TRIGGER search_dirty_delete AFTER DELETE ON notes BEGIN
    INSERT OR IGNORE INTO search_dirty VALUES (old.rowid, old.path, old.content);
  END;`;

/** Postings per (term, tf): several words are intersected by walking their smallest groups. */
export const SEARCH_GROUPS = `
  CREATE TABLE search_groups (
    term INTEGER NOT NULL, tf INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (term, tf)
  ) WITHOUT ROWID;
  INSERT INTO search_groups SELECT term, tf, count(*) FROM search_postings GROUP BY term, tf;`;

/**
 * How much text each logged note brings to a merge (its old and new versions), kept by the triggers,
 * so a few huge notes are merged as soon as a thousand small ones would be.
 */
export const SEARCH_DIRTY_SIZE = `
  ALTER TABLE search_dirty ADD COLUMN chars INTEGER NOT NULL DEFAULT 0;
  DROP TRIGGER search_dirty_insert;
  DROP TRIGGER search_dirty_update;
  DROP TRIGGER search_dirty_delete;
  CREATE TRIGGER search_dirty_insert AFTER INSERT ON notes BEGIN
    INSERT INTO search_dirty (doc, chars) VALUES (new.rowid, length(new.content))
      ON CONFLICT (doc) DO UPDATE SET chars = chars + excluded.chars;
  END;
  CREATE TRIGGER search_dirty_update AFTER UPDATE OF path, content ON notes BEGIN
    INSERT INTO search_dirty (doc, old_path, old_content, chars)
      VALUES (old.rowid, old.path, old.content, length(old.content) + length(new.content))
      ON CONFLICT (doc) DO UPDATE SET chars = chars + length(new.content);
  END;
  CREATE TRIGGER search_dirty_delete AFTER DELETE ON notes BEGIN
    INSERT INTO search_dirty (doc, old_path, old_content, chars) VALUES (old.rowid, old.path, old.content, length(old.content))
      ON CONFLICT (doc) DO NOTHING;
  END;`;

/**
 * Prefix postings (prefixes.ts): the notes counted when broad prefixes were last looked for. And the
 * logged text kept as a running total, because summing the log on every write cost ~90 µs at 2,000
 * notes logged.
 */
export const SEARCH_PREFIXES = `
  CREATE TABLE search_common (term TEXT PRIMARY KEY) WITHOUT ROWID;
  ALTER TABLE search_stats ADD COLUMN prefix_docs INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE search_stats ADD COLUMN dirty_chars INTEGER NOT NULL DEFAULT 0;
  UPDATE search_stats SET dirty_chars = (SELECT coalesce(sum(chars), 0) FROM search_dirty);
  CREATE TRIGGER search_dirty_chars_insert AFTER INSERT ON search_dirty BEGIN
    UPDATE search_stats SET dirty_chars = dirty_chars + new.chars;
  END;
  CREATE TRIGGER search_dirty_chars_update AFTER UPDATE OF chars ON search_dirty BEGIN
    UPDATE search_stats SET dirty_chars = dirty_chars + new.chars - old.chars;
  END;
  CREATE TRIGGER search_dirty_chars_delete AFTER DELETE ON search_dirty BEGIN
    UPDATE search_stats SET dirty_chars = dirty_chars - old.chars;
  END;`;

/**
 * FTS5 takes writes in batches too: inserting one note in its own transaction cost FTS5 ~200 µs at
 * 100k notes (a segment written and merged per commit), in a batch of 2,000 ~10 µs. The triggers log
 * the notes FTS5 has not taken, with the version it holds (which its 'delete' needs); the log is
 * applied before anything reads FTS5 (`ftsCurrent`) and whenever the postings merge.
 */
export const SEARCH_FTS_LOG = `
  CREATE TABLE fts_dirty (doc INTEGER PRIMARY KEY, old_path TEXT, old_content TEXT);
  DROP TRIGGER notes_fts_insert;
  DROP TRIGGER notes_fts_delete;
  DROP TRIGGER notes_fts_update;
  CREATE TRIGGER fts_dirty_insert AFTER INSERT ON notes WHEN (SELECT fts_ready FROM search_stats) BEGIN
    INSERT OR IGNORE INTO fts_dirty (doc) VALUES (new.rowid);
  END;
  CREATE TRIGGER fts_dirty_update AFTER UPDATE OF path, content ON notes WHEN (SELECT fts_ready FROM search_stats) BEGIN
    INSERT OR IGNORE INTO fts_dirty VALUES (old.rowid, old.path, old.content);
  END;
  CREATE TRIGGER fts_dirty_delete AFTER DELETE ON notes WHEN (SELECT fts_ready FROM search_stats) BEGIN
    INSERT OR IGNORE INTO fts_dirty VALUES (old.rowid, old.path, old.content);
  END;`;

/** The logged notes into FTS5: the version it holds out, the current one in. */
const FTS_APPLY = `
  INSERT INTO notes_fts (notes_fts, rowid, path, content)
    SELECT 'delete', doc, old_path, old_content FROM fts_dirty WHERE old_path IS NOT NULL;
  INSERT INTO notes_fts (rowid, path, content)
    SELECT n.rowid, n.path, n.content FROM fts_dirty d JOIN notes n ON n.rowid = d.doc;
  DELETE FROM fts_dirty;`;

export interface SearchStats {
  docs: number;
  tokens: number;
  /** The ranked index is complete. */
  ready: boolean;
  /** FTS5 follows writes (false during a bulk import, until `rebuild`). */
  ftsReady: boolean;
}

/** Postings (one per word per note) FTS5 may walk for one search: about a second of its work. */
const SEARCH_BUDGET = 4_000_000;

/** What one word of a prefix costs FTS5 besides its postings, in postings (see `work`). */
const WORD_WORK = 20;

/** Logged text (characters) past which the next write merges, whatever the number of notes. */
const MERGE_CHARS = 1_000_000;
/**
 * Text merged in one transaction (a note at least): ~0.5–1 s of work, 2–3 s for notes of all-distinct
 * words. Bigger batches share more of the postings' pages: a merge of ~6,000 short notes costs about
 * half as much a note as one of 2,000.
 */
const MERGE_SLICE = 1_000_000;
/** How long a write may go on merging once past the limits (at least one slice). */
const WRITE_MERGE_MS = 250;
/** Logged text past which searches leave the log alone and FTS5 answers. */
const PENDING_CAP = 4_000_000;

/**
 * A prefix whose words already hold more postings than this when it is found broad (a vault indexed
 * before prefix postings, or filled with distinct words) would take seconds to sum in one write; it
 * waits for a rebuild, and FTS5 answers it meanwhile.
 */
const GROW_POSTINGS = 300_000;
/** A word whose notes hold more text than this is not made common by a write, for the same reason. */
const GROW_TEXT = 4_000_000;

/** Notes written since the last merge, at most: beyond this the next write merges them. */
export const MERGE_AT = 8000;

/**
 * The ranked-search index of one vault. Writes only log which notes changed (the triggers); the
 * postings take them in batches (`merge`), because inserting one note's ~50 postings where they
 * belong touches ~50 pages per commit, while a batch shares its pages. Searches score the notes not
 * yet merged directly (`PendingNotes`), so a merge changes speed, never results.
 */
export class SearchIndex {
  readonly pending: PendingNotes;
  /** How many logged notes the next write merges at (tests lower it to merge often). */
  mergeAt = MERGE_AT;
  /** Postings FTS5 may walk for one search (tests lower it): see `work`. */
  budget = SEARCH_BUDGET;
  /** FTS5's work over time (tests replace it). */
  load: WorkBudget;
  /** Postings past which a prefix keeps its own (tests lower it). */
  broadAt = BROAD;
  /** Notes past which a word is common, its pairs kept (tests lower it). */
  commonAt = COMMON;
  /** Broad prefixes and common words found but not yet given postings: built a few per write. */
  private unbuilt: { prefix?: string; word?: string }[] = [];
  /** Words a look walks per step (~10 ms; tests lower it). */
  lookChunk = 5000;
  /** A look for them under way: the words walked so far, and where it has reached. */
  private look: {
    walk: PrefixWalk;
    after: string;
    common: Set<string>;
    words: string[];
    docs: number;
  } | null = null;

  constructor(
    private readonly db: Database,
    now: () => number,
  ) {
    this.pending = new PendingNotes(db);
    this.load = new WorkBudget(now);
  }

  stats(): SearchStats {
    const r = this.db.query("SELECT docs, tokens, ready, fts_ready FROM search_stats").get() as {
      docs: number;
      tokens: number;
      ready: number;
      fts_ready: number;
    };
    return { docs: r.docs, tokens: r.tokens, ready: r.ready === 1, ftsReady: r.fts_ready === 1 };
  }

  /**
   * The top k notes for a search by bm25 (rowids in rank order), or null when FTS5 should answer:
   * the index is being rebuilt, or the search is beyond what `rankedSearch` handles.
   */
  ranked(phrases: Phrase[], filters: Filters, k: number): number[] | null {
    const stats = this.stats();
    if (!stats.ready) return null;
    // A log too big to score from memory on every search: FTS5 answers until merges catch up.
    if (this.logged().chars > PENDING_CAP) return null;
    const pending = this.pending.current();
    return rankedSearch(this.db, stats, pending, phrases, filters, k, this.budget, this.load, () =>
      this.ftsCurrent(),
    );
  }

  /**
   * Brings FTS5 up to the notes (SEARCH_FTS_LOG), in one transaction: called before FTS5 is read.
   * A no-op (one probe) when it is current. It never waits for another process's write lock (a
   * reindex or import holds it for minutes, and SQLite's wait would stop this whole process): then
   * FTS5 answers as it stands, without the last logged writes, until the lock is free (ADR 0010).
   */
  ftsCurrent(): void {
    if (!this.db.query("SELECT 1 FROM fts_dirty LIMIT 1").get()) return;
    if (this.db.inTransaction) {
      this.db.exec(FTS_APPLY);
      return;
    }
    const { timeout } = this.db.query("PRAGMA busy_timeout").get() as { timeout: number };
    this.db.exec("PRAGMA busy_timeout = 0");
    try {
      this.db.transaction(() => this.db.exec(FTS_APPLY)).immediate();
    } catch (err) {
      if (!lockedError(err)) throw err;
    } finally {
      this.db.exec(`PRAGMA busy_timeout = ${timeout}`);
    }
  }

  /**
   * Roughly how many postings FTS5 would walk for a search: the notes holding each word (its every
   * occurrence, in a phrase or a NEAR group), and for a `prefix*` every word it expands to (FTS5's
   * work grows with these). Null while the index is built.
   */
  work(search: string): number | null {
    if (!this.stats().ready) return null;
    const df = this.db.query("SELECT coalesce(sum(df), 0) AS n FROM search_terms WHERE term = ?");
    // Each word of a prefix costs FTS5 a lookup in every segment besides its postings: on a vault of
    // many rare words, `a*` (447k postings in ~100k words) took 1.3 s, not the 0.2 s its postings say.
    const spread = (prefix: string) => {
      const s = prefixSpread(this.db, prefix);
      return s.postings + WORD_WORK * s.words;
    };
    // A phrase or a NEAR group walks its words' positions, not only their notes: one 1 MB note of a
    // single repeated word made a 100-word NEAR take 14 s while its notes counted 100.
    const cf = this.db.query(
      "SELECT coalesce(sum(g.tf * g.n), 0) AS n FROM search_groups g JOIN search_terms t ON t.id = g.term WHERE t.term = ?",
    );
    const near = /\bNEAR\s*\(/.test(search);
    const known = new Map<string, number>();
    let total = 0;
    // Words and "quoted phrases", either maybe ending in `*` (which applies to the last term). A
    // word is what FTS5 reads as one: letters, digits, `_` and every character past ASCII (a
    // zero-width space before the `*` keeps it a prefix there).
    for (const m of search.matchAll(/("(?:[^"]|"")*"|[\p{L}\p{N}_\u{80}-\u{10ffff}]+)(\*?)/gu)) {
      const terms = tokenize(m[1]!);
      const positions = near || terms.length > 1;
      for (const [i, t] of terms.entries()) {
        const key = m[2] === "*" && i === terms.length - 1 ? `${t}*` : t;
        const memo = positions && !key.endsWith("*") ? `@${key}` : key;
        let n = known.get(memo);
        if (n === undefined) {
          n = key.endsWith("*")
            ? spread(t)
            : Math.max((df.get(key) as { n: number }).n, positions ? (cf.get(key) as { n: number }).n : 0);
          known.set(memo, n);
        }
        total += n;
      }
    }
    return total;
  }

  /** Called at the end of every write transaction on notes. */
  afterWrite(): void {
    this.pending.touch();
    if (!this.stats().ready) {
      this.db.query("DELETE FROM search_dirty").run();
      this.ftsCurrent();
      return;
    }
    this.catchUp(WRITE_MERGE_MS);
  }

  /**
   * Merges slices while the log is past its limits, for at most `ms` after the first slice: notes
   * of all-different words cost ~2 s a megabyte to merge, and a vault that holds its thread longer
   * looks hung to the hub. What is left waits for the next write (searches stay exact meanwhile).
   */
  catchUp(ms: number): void {
    const until = performance.now() + ms;
    // FTS5's log holds no more notes than the postings' (both are logged by the same writes, and
    // FTS5 takes its log whenever the postings merge), so it is bounded by the same limits.
    if (this.behind()) this.ftsCurrent();
    do {
      if (!this.behind()) break;
      this.mergeSlice();
    } while (performance.now() < until);
    if (!this.behind()) this.grow(until);
  }

  /**
   * Gives postings to the prefixes that have grown broad and the pairs of words that have grown
   * common. They are looked for when the notes counted have grown by a tenth since the last look, in
   * one walk over the words in order, a chunk at a time (a vault of millions of distinct words takes
   * many writes to walk, never one long one); then built one per transaction. All of it within
   * `until`; what is left waits for the next write.
   */
  private grow(until: number): void {
    while (performance.now() < until) {
      const next = this.unbuilt.pop();
      if (next) {
        this.db.transaction(() =>
          next.prefix ? buildPrefix(this.db, next.prefix) : this.addCommon(next.word!),
        )();
        this.pending.touch();
        continue;
      }
      if (!this.look) {
        const r = this.db.query("SELECT docs, prefix_docs FROM search_stats").get() as {
          docs: number;
          prefix_docs: number;
        };
        if (r.docs <= r.prefix_docs * 1.1) return;
        const common = loadCommon(this.db);
        this.look = { walk: new PrefixWalk(this.broadAt), after: "+", common, words: [], docs: r.docs };
      }
      const look = this.look;
      const rows = this.db
        .query("SELECT term, df FROM search_terms WHERE term > ? ORDER BY term LIMIT ?")
        .all(look.after, this.lookChunk) as { term: string; df: number }[];
      for (const r of rows) {
        look.walk.take(r);
        if (r.df > this.commonAt && r.df <= Math.max(GROW_MAX, 2 * this.commonAt) && !look.common.has(r.term))
          look.words.push(r.term);
      }
      if (rows.length === this.lookChunk) {
        look.after = rows.at(-1)!.term;
        continue;
      }
      const built = loadPrefixes(this.db);
      this.unbuilt = [
        ...look.walk
          .end()
          .filter((f) => !built.has(f.prefix) && f.postings <= GROW_POSTINGS)
          .map((f) => ({ prefix: f.prefix })),
        ...look.words.map((word) => ({ word })),
      ];
      this.db.query("UPDATE search_stats SET prefix_docs = ?").run(look.docs);
      this.look = null;
    }
  }

  /**
   * Makes `word` common: the pairs it forms with the common words (itself included), counted from
   * its notes as the postings hold them — a note written since the last merge by its logged version.
   */
  private addCommon(word: string): void {
    if (this.db.query("SELECT 1 FROM search_common WHERE term = ?").get(word)) return;
    const { chars } = this.db
      .query(
        `SELECT coalesce(sum(length(coalesce(d.old_content, n.content))), 0) AS chars
         FROM search_terms t JOIN search_postings p ON p.term = t.id
         LEFT JOIN search_dirty d ON d.doc = p.doc LEFT JOIN notes n ON n.rowid = p.doc WHERE t.term = ?`,
      )
      .get(word) as { chars: number };
    if (chars > GROW_TEXT) return;
    const common = loadCommon(this.db);
    common.add(word);
    const notes = this.db
      .query(
        `SELECT p.doc, coalesce(d.old_path, n.path) AS path,
                CASE WHEN d.old_path IS NULL THEN n.content ELSE d.old_content END AS content
         FROM search_terms t JOIN search_postings p ON p.term = t.id
         LEFT JOIN search_dirty d ON d.doc = p.doc LEFT JOIN notes n ON n.rowid = p.doc
         WHERE t.term = ?`,
      )
      .all(word) as { doc: number; path: string; content: string | null }[];
    const added: Row[] = [];
    for (const n of notes) {
      const text = indexedText(n.path, n.content ?? "");
      for (const [key, tf] of pairCounts(text, common))
        if (key.startsWith(pairKey(word, "")) || key.endsWith(` ${word}`))
          added.push([key, tf, text.len, n.doc]);
    }
    applyRows(this.db, [], added);
    this.db.query("INSERT INTO search_common VALUES (?)").run(word);
  }

  /** Merges every logged note, a slice per transaction (each slice's work is kept if a later one dies). */
  merge(): void {
    this.ftsCurrent();
    while ((this.db.query("SELECT count(*) AS n FROM search_dirty").get() as { n: number }).n > 0)
      this.mergeSlice();
  }

  /** Whether the log is past what a write merges at: `mergeAt` notes or `MERGE_CHARS` of text. */
  behind(): boolean {
    const r = this.logged();
    return r.n >= this.mergeAt || r.chars >= MERGE_CHARS;
  }

  private logged(): { n: number; chars: number } {
    return this.db
      .query("SELECT (SELECT count(*) FROM search_dirty) AS n, dirty_chars AS chars FROM search_stats")
      .get() as {
      n: number;
      chars: number;
    };
  }

  /**
   * A bulk import's start: both indexes stop following writes until `rebuild`. Searches meanwhile go
   * to FTS5, which holds the notes from before the import.
   */
  markStale(): void {
    this.db.query("UPDATE search_stats SET ready = 0, fts_ready = 0").run();
    this.db.exec("DELETE FROM search_dirty; DELETE FROM fts_dirty;");
  }

  /**
   * Moves a slice of the logged notes into the postings: their indexed terms out, their current ones
   * in. The slice's postings are written in key order, so neighbours share their pages.
   */
  private mergeSlice(): void {
    this.db.transaction(() => {
      // The oldest logged notes up to MERGE_SLICE characters of text (at least one note).
      const slice: number[] = [];
      let chars = 0;
      for (const r of this.db
        .query("SELECT doc, chars FROM search_dirty ORDER BY doc")
        .iterate() as Iterable<{
        doc: number;
        chars: number;
      }>) {
        if (slice.length > 0 && chars + r.chars > MERGE_SLICE) break;
        slice.push(r.doc);
        chars += r.chars;
      }
      const dirty = this.db
        .query(
          "SELECT d.doc, d.old_path, d.old_content, n.path, n.content FROM search_dirty d LEFT JOIN notes n ON n.rowid = d.doc WHERE d.doc IN (SELECT value FROM json_each(?)) ORDER BY d.doc",
        )
        .all(JSON.stringify(slice)) as {
        doc: number;
        old_path: string | null;
        old_content: string | null;
        path: string | null;
        content: string | null;
      }[];
      const prefixes = loadPrefixes(this.db);
      const common = loadCommon(this.db);
      const gone: Row[] = [];
      const added: Row[] = [];
      let docs = 0;
      let tokens = 0;
      const take = (into: Row[], sign: 1 | -1, doc: number, path: string, content: string) => {
        const text = indexedText(path, content);
        for (const [key, tf] of noteKeys(text, prefixes, common)) into.push([key, tf, text.len, doc]);
        docs += sign;
        tokens += sign * text.len;
      };
      for (const d of dirty) {
        if (d.old_path !== null) take(gone, -1, d.doc, d.old_path, d.old_content ?? "");
        if (d.path !== null) take(added, 1, d.doc, d.path, d.content ?? "");
      }
      applyRows(this.db, gone, added);
      this.db.query("UPDATE search_stats SET docs = docs + ?, tokens = tokens + ?").run(docs, tokens);
      this.db
        .query("DELETE FROM search_dirty WHERE doc IN (SELECT value FROM json_each(?))")
        .run(JSON.stringify(slice));
    })();
    this.pending.touch();
  }

  /**
   * Empties the index and indexes every note again (the `reindex` command, a new or stale index),
   * and FTS5 too when a bulk import left it behind or `fts` asks (rebuild.ts). One transaction: a
   * kill leaves both as they were.
   */
  rebuild(fts = false): void {
    this.db.transaction(() => {
      if (fts || !this.stats().ftsReady)
        this.db.exec(
          "INSERT INTO notes_fts (notes_fts) VALUES ('rebuild'); DELETE FROM fts_dirty; UPDATE search_stats SET fts_ready = 1;",
        );
      else this.ftsCurrent();
      rebuildPostings(this.db, this.broadAt, this.commonAt);
    })();
    this.unbuilt = [];
    this.look = null;
    this.pending.touch();
  }
}
