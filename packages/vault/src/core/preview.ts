import type { Note } from "./notes.ts";
import { type Phrase, phrasesOf } from "./search/query-shape.ts";
import { tokenize } from "./search/tokens.ts";

/** A note as a list shows it: a few hundred bytes instead of the whole note. */
export interface NotePreview {
  id: string;
  path: string;
  title: string;
  /** Plain text around the first match of the search (the start of the note without one). */
  snippet: { text: string; highlights: [number, number][] };
  tags: string[];
  created_at: string;
  updated_at: string;
}

const SNIPPET_CHARS = 200;

/**
 * What a search matches on, as phrases of terms (a word is a phrase of one): the vault's own reading
 * when the search is words, "quoted phrases" and prefixes; otherwise (OR, NOT, columns…) every word
 * of it, operators dropped.
 */
function searchPhrases(search: string | undefined): Phrase[] {
  if (!search) return [];
  const phrases = phrasesOf(search);
  if (phrases) return phrases;
  return [...search.matchAll(/"?([\p{L}\p{N}_]+)"?(\*)?/gu)]
    .filter((m) => !/^(AND|OR|NOT|NEAR)$/.test(m[1]!))
    .flatMap((m) => {
      const terms = tokenize(m[1]!);
      return terms.length ? [{ terms, prefix: m[2] === "*" }] : [];
    });
}

/** The note's text without frontmatter, its title heading or markdown marks, as one line. */
function plain(content: string): string {
  return content
    .replace(/^---\n[\s\S]*?\n---\n/, "")
    .replace(/^#{1,6}\s+.*$/m, "") // the title's heading: shown as the title
    .replace(/!?\[\[([^\]|]+)(\|([^\]]+))?\]\]/g, (_m, t, _a, alias) => alias ?? t)
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[*_`>#~]/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

function title(note: Note): string {
  const heading = /^#{1,6}\s+(.+)$/m.exec(note.content.replace(/^---\n[\s\S]*?\n---\n/, ""))?.[1];
  return (heading?.trim() || note.path.split("/").pop() || note.path).slice(0, 200);
}

/**
 * One pattern for all the phrases over folded text: each phrase's terms in order with only
 * separators between, whole words except a prefix's last term.
 */
function phrasePattern(phrases: Phrase[]): RegExp {
  const alternatives = phrases.map((p) =>
    p.terms
      .map((t, i) => {
        const word = t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        return p.prefix && i === p.terms.length - 1 ? word : `${word}(?![\\p{L}\\p{N}])`;
      })
      .join("[^\\p{L}\\p{N}]+"),
  );
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join("|")})`, "gu");
}

/**
 * Text folded the way the search index folds it (lower case, accents removed, so `cafe` marks
 * "Café"), with where each folded character came from in the original.
 */
function folded(text: string): { text: string; at: number[] } {
  let out = "";
  const at: number[] = [];
  let i = 0;
  for (const ch of text) {
    const f = ch.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "");
    for (let k = 0; k < f.length; k++) at.push(i);
    out += f;
    i += ch.length;
  }
  at.push(i);
  return { text: out, at };
}

/**
 * A note's preview: its title (first heading, else the last segment of its path), tags and dates, and
 * a snippet of about 200 characters — around the first match of the search when there is one — with
 * the matched words' ranges, so a list can mark them without HTML in the answer.
 */
export function previewOf(note: Note, search?: string): NotePreview {
  const text = plain(note.content);
  const phrases = searchPhrases(search);
  const f = folded(text);
  const matches: [number, number][] = phrases.length
    ? [...f.text.matchAll(phrasePattern(phrases))].map((m) => [f.at[m.index]!, f.at[m.index + m[0].length]!])
    : [];
  let start = matches[0] ? Math.max(0, matches[0][0] - 60) : 0;
  if (start > 0) start = text.indexOf(" ", start) + 1 || start;
  let piece = text.slice(start, start + SNIPPET_CHARS);
  if (start + SNIPPET_CHARS < text.length) piece = piece.replace(/\s+\S*$/, "");
  const end = start + piece.length;
  const lead = start > 0 ? "…" : "";
  const shift = lead.length - start;
  return {
    id: note.id,
    path: note.path,
    title: title(note),
    snippet: {
      text: `${lead}${piece}${end < text.length ? "…" : ""}`,
      highlights: matches.filter(([s, e]) => s >= start && e <= end).map(([s, e]) => [s + shift, e + shift]),
    },
    tags: note.tags,
    created_at: note.created_at,
    updated_at: note.updated_at,
  };
}
