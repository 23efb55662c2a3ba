import type { Database } from "bun:sqlite";
import { invalid, VaultError } from "./errors.ts";
import type { Note, NoteStore } from "./notes.ts";
import { phrasesOf } from "./search/query-shape.ts";
import { normaliseTag } from "./tags.ts";

export interface NoteQuery {
  search?: string;
  tag?: string[];
  exclude_tag?: string[];
  path_prefix?: string;
  created_after?: string;
  created_before?: string;
  updated_after?: string;
  updated_before?: string;
  metadata?: Record<string, string | number | boolean>;
  sort?: "updated_desc" | "updated_asc" | "created_desc" | "created_asc" | "path_asc" | "relevance";
  limit?: number;
  offset?: number;
  cursor?: string;
}

export const MAX_LIMIT = 500;
/** Deeper ranked pages than this are left to FTS5, which scores every match anyway. */
const MAX_RANKED = 1000;

const SORTS: Record<string, { column: string; dir: "ASC" | "DESC" }> = {
  updated_desc: { column: "n.updated_at", dir: "DESC" },
  updated_asc: { column: "n.updated_at", dir: "ASC" },
  created_desc: { column: "n.created_at", dir: "DESC" },
  created_asc: { column: "n.created_at", dir: "ASC" },
  path_asc: { column: "n.path_key", dir: "ASC" },
};

function isoDate(field: string, v: string): string {
  if (Number.isNaN(Date.parse(v))) throw invalid("invalid_query", `${field} must be an ISO date`);
  return new Date(v).toISOString();
}

/**
 * Lists notes by any mix of filters: full-text search (the user's FTS5 syntax, a malformed query is
 * refused, never emptied), tags to include and exclude, path prefix, dates, metadata equality. Sorted
 * and paged by offset, or by an opaque cursor for the non-relevance orders.
 */
export function queryNotes(store: NoteStore, q: NoteQuery): { notes: Note[]; next_cursor: string | null } {
  const db: Database = store.db;
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (q.search !== undefined && (q.search.trim() === "" || q.search.length > 500))
    throw invalid("invalid_search", "search must be 1–500 characters");
  // SQLite would end the query at a NUL: refused, not silently cut short.
  if (q.search?.includes("\0")) throw invalid("invalid_search", "search must not contain NUL characters");
  for (const t of q.tag ?? []) {
    where.push("EXISTS (SELECT 1 FROM tags t WHERE t.note_id = n.id AND t.tag = ?)");
    args.push(normaliseTag(t));
  }
  for (const t of q.exclude_tag ?? []) {
    where.push("NOT EXISTS (SELECT 1 FROM tags t WHERE t.note_id = n.id AND t.tag = ?)");
    args.push(normaliseTag(t));
  }
  if (q.path_prefix !== undefined) {
    where.push("n.path_key LIKE ? ESCAPE '\\'");
    args.push(
      `${q.path_prefix
        .toLowerCase()
        .replace(/^\/+/, "")
        .replace(/[\\%_]/g, "\\$&")}%`,
    );
  }
  for (const [field, op] of [
    ["created_after", ">"],
    ["created_before", "<"],
    ["updated_after", ">"],
    ["updated_before", "<"],
  ] as const) {
    const v = q[field];
    if (v === undefined) continue;
    where.push(`n.${field.split("_")[0]}_at ${op} ?`);
    args.push(isoDate(field, v));
  }
  for (const [k, v] of Object.entries(q.metadata ?? {})) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(k))
      throw invalid("invalid_query", `metadata key "${k}" is not allowed`);
    where.push(`json_extract(n.metadata, '$.' || ?) = ?`);
    args.push(`"${k}"`, typeof v === "boolean" ? Number(v) : v);
  }

  const limit = q.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw invalid("invalid_query", `limit must be 1–${MAX_LIMIT}`);
  const sortName = q.sort ?? (q.search !== undefined ? "relevance" : "updated_desc");
  let order: string;
  if (sortName === "relevance") {
    if (q.search === undefined) throw invalid("invalid_query", "sort=relevance needs a search");
    if (q.cursor)
      throw invalid("invalid_query", "cursors work with date and path orders; use offset with relevance");
    order = "bm25(notes_fts), n.rowid";
  } else {
    const s = SORTS[sortName];
    if (!s) throw invalid("invalid_query", `unknown sort "${sortName}"`);
    order = `${s.column} ${s.dir}, n.id ${s.dir}`;
    if (q.cursor) {
      const [value, id] = decodeCursor(q.cursor);
      where.push(`(${s.column}, n.id) ${s.dir === "DESC" ? "<" : ">"} (?, ?)`);
      args.push(value, id);
    }
  }
  const offset = q.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0)
    throw invalid("invalid_query", "offset must be a whole number");
  if (sortName === "relevance") {
    const phrases = offset + limit <= MAX_RANKED ? phrasesOf(q.search!) : null;
    const ranked = phrases && store.search.ranked(phrases, { where, args }, offset + limit);
    if (ranked) {
      const page = ranked.slice(offset);
      const byRow = db.query("SELECT rowid, * FROM notes WHERE rowid = ?");
      return {
        notes: page.map((r) => store.toNote(byRow.get(r) as Parameters<NoteStore["toNote"]>[0])),
        next_cursor: null,
      };
    }
  }
  // FTS5's cost follows the postings it walks; a search past this much is refused, not run for minutes.
  const work = q.search === undefined ? null : store.search.work(q.search);
  if (work !== null && work > store.search.budget)
    throw invalid(
      "search_too_broad",
      "this search matches too much to answer quickly: a word or prefix in it is in too many notes (make a prefix longer, or leave that word out)",
    );
  const wait = work === null ? 0 : store.search.load.take(work);
  if (wait > 0)
    throw new VaultError(
      "busy",
      "search_busy",
      "the vault is busy with other broad searches; try again in a moment",
      { retry_after: wait },
    );
  const filtered = where.length > 0;
  let joins = "";
  if (q.search !== undefined) {
    store.search.ftsCurrent();
    joins = "JOIN notes_fts f ON f.rowid = n.rowid";
    where.unshift("notes_fts MATCH ?");
    args.unshift(q.search);
  }
  // A plain ranked search FTS5 answers is ranked inside its index; only the page is joined to notes.
  const sql =
    sortName === "relevance" && !filtered
      ? "SELECT n.rowid, n.* FROM (SELECT rowid, bm25(notes_fts) AS score FROM notes_fts WHERE notes_fts MATCH ? ORDER BY score, rowid LIMIT ? OFFSET ?) r JOIN notes n ON n.rowid = r.rowid ORDER BY r.score, n.rowid"
      : `SELECT n.rowid, n.* FROM notes n ${joins} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY ${order} LIMIT ? OFFSET ?`;
  let rows: Parameters<NoteStore["toNote"]>[0][];
  try {
    rows = db.query(sql).all(...args, limit + 1, q.cursor ? 0 : offset) as typeof rows;
  } catch (err) {
    // With a search, a failing statement is the user's query syntax (FTS5 reports it many ways).
    if (q.search !== undefined)
      throw new VaultError(
        "invalid",
        "invalid_search",
        'the search could not be read: use words, "quoted phrases", prefix* and AND, OR, NOT between words, and put quotes around words with other characters',
        { detail: (err as Error).message },
      );
    throw err;
  }
  const more = rows.length > limit;
  const page = rows.slice(0, limit).map((r) => store.toNote(r));
  let next: string | null = null;
  if (more && sortName !== "relevance") {
    const last = page[page.length - 1]!;
    const col = SORTS[sortName]!.column;
    const value =
      col === "n.path_key"
        ? last.path.toLowerCase()
        : col === "n.updated_at"
          ? last.updated_at
          : last.created_at;
    next = Buffer.from(JSON.stringify([value, last.id])).toString("base64url");
  }
  return { notes: page, next_cursor: next };
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString());
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string")
      return [v[0], v[1]];
  } catch {}
  throw invalid("invalid_cursor", "the cursor is not valid");
}
