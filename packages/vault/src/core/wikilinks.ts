/** A `[[target#heading|alias]]` (or `![[embed]]`) found in a note's markdown. */
export interface WikiLink {
  target: string;
  heading: string | null;
  alias: string | null;
  embed: boolean;
}

/** Blanks out fenced code blocks and inline code, keeping offsets, so links inside them are ignored. */
function withoutCode(md: string): string {
  return md
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?(^\1[^\n]*$|$(?![\s\S]))/gm, (m) => m.replace(/[^\n]/g, " "))
    .replace(/`[^`\n]+`/g, (m) => " ".repeat(m.length));
}

const LINK = /(!?)\[\[([^[\]\n|#]+)(?:#([^[\]\n|]*))?(?:\|([^[\]\n]*))?\]\]/g;

/** Every wikilink in `md`, in order, ignoring those inside code. */
export function parseWikiLinks(md: string): WikiLink[] {
  const out: WikiLink[] = [];
  for (const m of withoutCode(md).matchAll(LINK)) {
    const target = m[2]!.trim();
    if (!target) continue;
    out.push({ target, heading: m[3]?.trim() || null, alias: m[4]?.trim() || null, embed: m[1] === "!" });
  }
  return out;
}

/**
 * Rewrites links that point at `from` (case-insensitively, with or without `.md`) to point at `to`,
 * keeping headings, aliases and embeds; links inside code are left alone.
 */
export function rewriteWikiLinks(md: string, from: string, to: string): string {
  const masked = withoutCode(md);
  const fromKey = from.toLowerCase();
  let out = "";
  let last = 0;
  for (const m of masked.matchAll(LINK)) {
    const target = m[2]!.trim().replace(/\.md$/i, "");
    if (target.toLowerCase() !== fromKey) continue;
    const start = m.index!;
    const original = md.slice(start, start + m[0].length);
    out += md.slice(last, start) + original.replace(/\[\[[^\]|#]+/, `[[${to}`);
    last = start + m[0].length;
  }
  return out + md.slice(last);
}
