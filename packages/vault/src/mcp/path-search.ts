import type { Database } from "bun:sqlite";

export interface PathHit {
  id: string;
  path: string;
  updated_at: string;
}

/**
 * Notes whose path contains `text`, or starts with it, case-insensitively, in path order. Returns up
 * to `limit` hits and whether more matched.
 *
 * This is core logic (it knows the schema) kept beside the MCP adapter only until it can move into
 * `core/`; it touches nothing MCP.
 */
export function findPaths(
  db: Database,
  text: string,
  match: "contains" | "prefix",
  limit: number,
): { hits: PathHit[]; more: boolean } {
  const lower = text.toLowerCase();
  const needle = (match === "prefix" ? lower.replace(/^\/+/, "") : lower).replace(/[\\%_]/g, "\\$&");
  const pattern = match === "prefix" ? `${needle}%` : `%${needle}%`;
  const rows = db
    .query(
      "SELECT id, path, updated_at FROM notes WHERE path_key LIKE ? ESCAPE '\\' ORDER BY path_key, id LIMIT ?",
    )
    .all(pattern, limit + 1) as PathHit[];
  return { hits: rows.slice(0, limit), more: rows.length > limit };
}
