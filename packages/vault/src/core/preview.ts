import type { Note } from "./notes.ts";

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

/** The words a search matches on, from the user's FTS5 syntax: operators, quotes and columns dropped. */
function searchTerms(search: string | undefined): { word: string; prefix: boolean }[] {
  if (!search) return [];
  // A word, quoted or not, and a `*` after it (or after its closing quote) for a prefix.
  return [...search.matchAll(/"?([\p{L}\p{N}_]+)"?(\*)?/gu)]
    .filter((m) => !/^(AND|OR|NOT|NEAR)$/.test(m[1]!))
    .map((m) => ({ word: m[1]!.toLowerCase(), prefix: m[2] === "*" }));
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

/** One pattern for all the terms: whole words, or word starts for a prefix (found natively, not word by word). */
function termPattern(terms: { word: string; prefix: boolean }[]): RegExp {
  const alternatives = terms.map((t) => {
    const word = t.word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return t.prefix ? word : `${word}(?![\\p{L}\\p{N}_])`;
  });
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join("|")})`, "giu");
}

/** Where the terms occur in `text`, as [start, end) ranges. */
function highlightsIn(text: string, pattern: RegExp): [number, number][] {
  pattern.lastIndex = 0; // matchAll starts where the last search of this pattern stopped
  return [...text.matchAll(pattern)].map((m) => [m.index, m.index + m[0].length]);
}

/**
 * A note's preview: its title (first heading, else the last segment of its path), tags and dates, and
 * a snippet of about 200 characters — around the first match of the search when there is one — with
 * the matched words' ranges, so a list can mark them without HTML in the answer.
 */
export function previewOf(note: Note, search?: string): NotePreview {
  const text = plain(note.content);
  const terms = searchTerms(search);
  const pattern = terms.length ? termPattern(terms) : null;
  const first = pattern ? pattern.exec(text) : null;
  let start = first ? Math.max(0, first.index - 60) : 0;
  if (start > 0) start = text.indexOf(" ", start) + 1 || start;
  let piece = text.slice(start, start + SNIPPET_CHARS);
  if (start + SNIPPET_CHARS < text.length) piece = `${piece.replace(/\s+\S*$/, "")}…`;
  const lead = start > 0 ? "…" : "";
  const snippetText = `${lead}${piece}`;
  return {
    id: note.id,
    path: note.path,
    title: title(note),
    snippet: { text: snippetText, highlights: pattern ? highlightsIn(snippetText, pattern) : [] },
    tags: note.tags,
    created_at: note.created_at,
    updated_at: note.updated_at,
  };
}
