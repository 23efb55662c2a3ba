import type { Database } from "bun:sqlite";
import { normaliseNotePath, pathKey } from "./paths.ts";

/** A folder one level under the one asked for, with how many notes it holds at any depth. */
export interface Folder {
  name: string;
  path: string;
  count: number;
  /** Whether it has folders of its own. */
  nested: boolean;
}

/** The answers given since the vault last changed, per database and parent. */
const answered = new WeakMap<Database, { stamp: string; byParent: Map<string, Folder[]> }>();
const MAX_CACHED_PARENTS = 1000;

/**
 * What the folder listing has to read grows with the vault, so an answer is reused until the vault
 * changes: by this connection (`total_changes()`) or by another process (`data_version`).
 */
export function cachedFolders(db: Database, parent = ""): Folder[] {
  const version = (db.query("PRAGMA data_version").get() as { data_version: number }).data_version;
  const changes = (db.query("SELECT total_changes() AS n").get() as { n: number }).n;
  const stamp = `${version}:${changes}`;
  let entry = answered.get(db);
  if (!entry || entry.stamp !== stamp) {
    entry = { stamp, byParent: new Map() };
    answered.set(db, entry);
  }
  const hit = entry.byParent.get(parent);
  if (hit) return hit;
  const folders = listFolders(db, parent);
  if (entry.byParent.size >= MAX_CACHED_PARENTS) entry.byParent.clear();
  entry.byParent.set(parent, folders);
  return folders;
}

/**
 * The folders directly under `parent` (the vault's top when empty), derived from note paths: a note
 * `a/b/c` makes folders `a` and `a/b`. Reads only the notes under `parent`, by the unique path index.
 */
function listFolders(db: Database, parent = ""): Folder[] {
  const base = parent.trim() === "" ? "" : `${normaliseNotePath(parent)}/`;
  const from = pathKey(base);
  // Every key under `base` sorts at or after `base` and before `base` with its last character bumped.
  const to =
    from === "" ? null : from.slice(0, -1) + String.fromCharCode(from.charCodeAt(from.length - 1) + 1);
  const start = base.length + 1;
  const rows = db
    .query(
      `SELECT substr(rest_key, 1, instr(rest_key, '/') - 1) AS k,
              min(substr(rest, 1, instr(rest, '/') - 1)) AS name, count(*) AS count,
              max(instr(substr(rest_key, instr(rest_key, '/') + 1), '/') > 0) AS nested
         FROM (SELECT substr(path_key, ?1) AS rest_key, substr(path, ?1) AS rest FROM notes
                WHERE path_key >= ?2 AND (?3 IS NULL OR path_key < ?3))
        WHERE instr(rest_key, '/') > 0
        GROUP BY k ORDER BY k`,
    )
    .all(start, from, to) as { k: string; name: string; count: number; nested: number }[];
  return rows.map((r) => ({
    name: r.name,
    path: `${base}${r.name}`,
    count: r.count,
    nested: r.nested === 1,
  }));
}
