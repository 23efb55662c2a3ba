import type { Database } from "bun:sqlite";
import { VaultError } from "./errors.ts";
import { normaliseTag } from "./tags.ts";

/** Every tag with how many notes carry it. */
export function listTags(db: Database): { tag: string; count: number }[] {
  return db.query("SELECT tag, count(*) AS count FROM tags GROUP BY tag ORDER BY tag").all() as {
    tag: string;
    count: number;
  }[];
}

/**
 * Renames a tag on every note; when the new name already exists the two merge (a note carrying both
 * keeps one). Returns how many notes were touched.
 */
export function renameTag(db: Database, from: string, to: string): number {
  const a = normaliseTag(from);
  const b = normaliseTag(to);
  return db.transaction(() => {
    const n = (db.query("SELECT count(*) AS n FROM tags WHERE tag = ?").get(a) as { n: number }).n;
    if (n === 0) throw new VaultError("not_found", "not_found", `no note is tagged ${a}`);
    if (a === b) return n;
    db.query("INSERT OR IGNORE INTO tags (note_id, tag) SELECT note_id, ? FROM tags WHERE tag = ?").run(b, a);
    db.query("DELETE FROM tags WHERE tag = ?").run(a);
    return n;
  })();
}

/** Removes a tag from every note. */
export function deleteTag(db: Database, tag: string): number {
  const t = normaliseTag(tag);
  const n = db.query("DELETE FROM tags WHERE tag = ?").run(t).changes;
  if (n === 0) throw new VaultError("not_found", "not_found", `no note is tagged ${t}`);
  return n;
}
