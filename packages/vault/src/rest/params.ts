import { HttpError } from "@parachute/module-kit";
import type { NoteQuery } from "../core/query.ts";

const LIST_KEYS = new Set([
  "search",
  "tag",
  "exclude_tag",
  "path_prefix",
  "created_after",
  "created_before",
  "updated_after",
  "updated_before",
  "sort",
  "limit",
  "offset",
  "cursor",
]);

function int(name: string, raw: string | null): number | undefined {
  if (raw === null) return undefined;
  if (!/^\d{1,6}$/.test(raw)) throw new HttpError(400, "invalid_query", `${name} must be a whole number`);
  return Number(raw);
}

/** Query-string filters for `GET notes`; `metadata.<key>=value` filters on metadata; unknown keys are a 400. */
export function parseListQuery(url: URL): NoteQuery {
  const p = url.searchParams;
  const metadata: Record<string, string | number | boolean> = {};
  for (const [k, v] of p) {
    if (k.startsWith("metadata.")) {
      metadata[k.slice(9)] =
        v === "true" ? true : v === "false" ? false : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    } else if (!LIST_KEYS.has(k)) {
      throw new HttpError(400, "invalid_query", `"${k}" is not a filter`);
    }
  }
  const one = (k: string) => p.get(k) ?? undefined;
  return {
    search: one("search"),
    tag: p
      .getAll("tag")
      .flatMap((t) => t.split(","))
      .filter(Boolean),
    exclude_tag: p
      .getAll("exclude_tag")
      .flatMap((t) => t.split(","))
      .filter(Boolean),
    path_prefix: one("path_prefix"),
    created_after: one("created_after"),
    created_before: one("created_before"),
    updated_after: one("updated_after"),
    updated_before: one("updated_before"),
    metadata,
    sort: one("sort") as NoteQuery["sort"],
    limit: int("limit", p.get("limit")),
    offset: int("offset", p.get("offset")),
    cursor: one("cursor"),
  };
}
