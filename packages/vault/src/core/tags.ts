import { invalid } from "./errors.ts";

/** Canonical tag: trimmed, leading `#` dropped, lowercase; letters, digits, `-`, `_`, `/` only. */
export function normaliseTag(raw: unknown): string {
  if (typeof raw !== "string") throw invalid("invalid_tag", "tags must be strings");
  const tag = raw.trim().replace(/^#/, "").toLowerCase();
  if (!/^[\p{L}\p{N}_\-/]{1,100}$/u.test(tag)) throw invalid("invalid_tag", `"${raw}" is not a valid tag`);
  return tag;
}

export function normaliseTags(raw: unknown): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw invalid("invalid_tag", "tags must be a list of strings");
  if (raw.length > 100) throw invalid("invalid_tag", "a note can have at most 100 tags");
  return [...new Set(raw.map(normaliseTag))];
}
