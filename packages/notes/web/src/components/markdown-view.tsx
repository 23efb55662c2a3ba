import { useEffect, useMemo, useRef } from "react";
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
  /** The note a wikilink's target names, when known; without it links are not marked either way. */
  resolve?: (target: string) => string | null;
}) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  const box = useRef<HTMLDivElement>(null);
  // A link to a note that does not exist yet looks different, as it leads to "create it".
  useEffect(() => {
    if (!resolve || !box.current) return;
    for (const a of box.current.querySelectorAll<HTMLAnchorElement>("a.wikilink")) {
      const missing = resolve(a.dataset.target ?? "") === null;
      a.classList.toggle("unresolved", missing);
      if (missing) a.title = "No note by this name yet: click to create it";
    }
  });
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/noStaticElementInteractions: the clicks caught are on links, which keyboards activate too
    <div
      ref={box}
      className="markdown"
      onClick={(e) => {
        const link = (e.target as HTMLElement).closest("a.wikilink") as HTMLAnchorElement | null;
        if (!link) return;
        e.preventDefault();
        const target = link.dataset.target ?? "";
        const id = resolve?.(target) ?? null;
        go(id ? href.note(id) : `#/open/${encodeURIComponent(target)}`);
      }}
      // biome-ignore lint/security/noDangerouslySetInnerHtml: the HTML comes out of DOMPurify (markdown.ts)
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
