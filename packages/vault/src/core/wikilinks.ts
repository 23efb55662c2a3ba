/** A `[[target#heading|alias]]` (or `![[embed]]`) found in a note's markdown. */
export interface WikiLink {
  target: string;
  heading: string | null;
  alias: string | null;
  embed: boolean;
}

/**
 * Blanks out fenced code blocks (``` or ~~~, up to three spaces of indent, closed only by a fence of
 * the same character at least as long) and inline code, keeping offsets, so links in code are ignored.
 */
function withoutCode(md: string): string {
  const lines = md.split("\n");
  let fence: { char: string; len: number } | null = null;
  const blank = (l: string) => l.replace(/[^\r]/g, " ");
  for (let i = 0; i < lines.length; i++) {
    const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(lines[i]!);
    if (fence) {
      if (m && m[1]![0] === fence.char && m[1]!.length >= fence.len && m[2]!.trim() === "") fence = null;
      lines[i] = blank(lines[i]!);
    } else if (m && !(m[1]![0] === "`" && m[2]!.includes("`"))) {
      fence = { char: m[1]![0]!, len: m[1]!.length };
      lines[i] = blank(lines[i]!);
    }
  }
  return lines.join("\n").replace(/`[^`\n]+`/g, (m) => " ".repeat(m.length));
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
    out += md.slice(last, start) + original.replace(/\[\[[^\]|#]+/, () => `[[${to}`);
    last = start + m[0].length;
  }
  return out + md.slice(last);
}
