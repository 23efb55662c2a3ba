import { useMemo } from "react";
import { renderMarkdown } from "../markdown.ts";
import { go, href } from "../router.ts";

/**
 * Rendered, sanitised markdown. A wikilink goes to the note it resolves to, or (unresolved) to the
 * screen that offers to create it.
 */
export function MarkdownView({
  source,
  resolve,
}: {
  source: string;
  resolve(target: string): string | null;
}) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/noStaticElementInteractions: the clicks caught are on links, which keyboards activate too
    <div
      className="markdown"
      onClick={(e) => {
        const link = (e.target as HTMLElement).closest("a.wikilink") as HTMLAnchorElement | null;
        if (!link) return;
        e.preventDefault();
        const target = link.dataset.target ?? "";
        const id = resolve(target);
        go(id ? href.note(id) : `#/open/${encodeURIComponent(target)}`);
      }}
      // biome-ignore lint/security/noDangerouslySetInnerHtml: the HTML comes out of DOMPurify (markdown.ts)
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
