/**
 * Markdown to safe HTML: markdown-it with raw HTML off, wikilinks (`[[target|alias]]`,
 * `[[target#heading]]`) as in-app links, and DOMPurify over the result, so nothing a note holds
 * reaches the page as live markup.
 */
import DOMPurify from "dompurify";
import MarkdownIt, { type StateInline } from "markdown-it";

const WIKILINK = /^\[\[([^[\]|#\n]+)(#[^[\]|\n]*)?(\|[^[\]\n]+)?\]\]/;

/** Parses `[[...]]` at the cursor into a `wikilink` token carrying its target and label. */
function wikilinkRule(state: StateInline, silent: boolean): boolean {
  if (state.src.charCodeAt(state.pos) !== 0x5b || state.src.charCodeAt(state.pos + 1) !== 0x5b) return false;
  const m = WIKILINK.exec(state.src.slice(state.pos));
  if (!m) return false;
  if (!silent) {
    const target = m[1]!.trim();
    const token = state.push("wikilink", "", 0);
    token.meta = { target, label: (m[3]?.slice(1) ?? `${target}${m[2] ?? ""}`).trim() };
  }
  state.pos += m[0].length;
  return true;
}

const md = new MarkdownIt({ html: false, linkify: true, breaks: false, typographer: true });
md.inline.ruler.before("link", "wikilink", wikilinkRule);
md.renderer.rules.wikilink = (tokens, idx) => {
  const { target, label } = tokens[idx]!.meta as { target: string; label: string };
  const href = `#/open/${encodeURIComponent(target)}`;
  return `<a class="wikilink" href="${md.utils.escapeHtml(href)}" data-target="${md.utils.escapeHtml(target)}">${md.utils.escapeHtml(label)}</a>`;
};
// Links out of the app open in a new tab, never with a handle back to this page.
const defaultLinkOpen = md.renderer.rules.link_open ?? ((t, i, o, _e, self) => self.renderToken(t, i, o));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const href = String(tokens[idx]!.attrGet("href") ?? "");
  if (/^https?:/i.test(href)) {
    tokens[idx]!.attrSet("target", "_blank");
    tokens[idx]!.attrSet("rel", "noopener noreferrer");
  }
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/** Renders a note's markdown to sanitised HTML (frontmatter, if any, left out). */
export function renderMarkdown(source: string): string {
  const body = source.replace(/^---\n[\s\S]*?\n---\n/, "");
  return DOMPurify.sanitize(md.render(body), {
    ADD_ATTR: ["target", "data-target"],
    FORBID_TAGS: ["style", "form", "input", "button"],
  });
}

/** The title a note shows: its first heading, else the last segment of its path. */
export function noteTitle(note: { path: string; content: string }): string {
  const heading = /^#\s+(.+)$/m.exec(note.content.replace(/^---\n[\s\S]*?\n---\n/, ""))?.[1];
  return heading?.trim() || note.path.split("/").pop() || note.path;
}
