import { invalid } from "./errors.ts";

/**
 * Canonical tag: trimmed, leading `#` dropped, lowercase, composed (NFC); letters with their accents,
 * digits, `-`, `_`, `/` only. Lowercasing can leave a combining mark (`İ` is `i` and a dot above), and
 * text typed on some systems arrives decomposed, so marks are allowed after the first character.
 */
export function normaliseTag(raw: unknown): string {
  if (typeof raw !== "string") throw invalid("invalid_tag", "tags must be strings");
  const tag = raw.trim().replace(/^#/, "").toLowerCase().normalize("NFC");
  if (!/^[\p{L}\p{N}_\-/][\p{L}\p{M}\p{N}_\-/]{0,99}$/u.test(tag))
    throw invalid("invalid_tag", `"${raw}" is not a valid tag`);
  return tag;
}

export function normaliseTags(raw: unknown): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw invalid("invalid_tag", "tags must be a list of strings");
  if (raw.length > 100) throw invalid("invalid_tag", "a note can have at most 100 tags");
  return [...new Set(raw.map(normaliseTag))];
}
