import { tokenize } from "./tokens.ts";

/** One phrase of a search: its terms in order; `prefix` when the last one is typed in part (`quar*`). */
export interface Phrase {
  terms: string[];
  prefix: boolean;
}

const ITEM = /\s*(?:"((?:[^"]|"")*)"|([A-Za-z0-9_\u{80}-\u{10ffff}]+))(\*?)(?=\s|$)/uy;
const KEYWORDS = new Set(["AND", "OR", "NOT", "NEAR"]);

/**
 * The searches the ranked index answers: words and "quoted phrases", each maybe ending in `*`, all
 * required (FTS5's implicit AND). Anything else FTS5's syntax allows — OR, NOT, NEAR, columns,
 * groups, `^` — is left to FTS5 itself (null). Each item becomes the phrase FTS5 would make of it: a
 * bare word such as `foo_bar` is the phrase "foo bar", as FTS5 tokenizes it.
 */
export function phrasesOf(search: string): Phrase[] | null {
  const out: Phrase[] = [];
  ITEM.lastIndex = 0;
  while (ITEM.lastIndex < search.length && search.slice(ITEM.lastIndex).trim() !== "") {
    const m = ITEM.exec(search);
    if (!m) return null;
    if (m[2] !== undefined && KEYWORDS.has(m[2])) return null;
    const terms = tokenize(m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]!);
    if (terms.length === 0) return null;
    out.push({ terms, prefix: m[3] === "*" });
  }
  return out.length > 0 ? out : null;
}
