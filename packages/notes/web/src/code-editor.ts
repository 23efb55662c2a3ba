/**
 * CodeMirror 6 set up for markdown: history, the default keys, line wrapping, highlighting on the
 * design tokens (so light and dark follow the page), and hooks for saving and for files.
 */
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { markdown } from "@codemirror/lang-markdown";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import { drawSelection, EditorView, keymap, placeholder } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";

const highlight = HighlightStyle.define([
  { tag: t.heading1, fontSize: "1.35em", fontWeight: "700" },
  { tag: t.heading2, fontSize: "1.2em", fontWeight: "700" },
  { tag: [t.heading3, t.heading4, t.heading5, t.heading6], fontWeight: "700" },
  { tag: t.strong, fontWeight: "700" },
  { tag: t.emphasis, fontStyle: "italic" },
  { tag: t.strikethrough, textDecoration: "line-through" },
  { tag: [t.link, t.url], color: "var(--accent)" },
  { tag: t.monospace, fontFamily: "var(--font-mono)", color: "var(--text-muted)" },
  { tag: [t.processingInstruction, t.meta, t.contentSeparator], color: "var(--text-muted)" },
  { tag: t.quote, color: "var(--text-muted)", fontStyle: "italic" },
]);

const theme = EditorView.theme({
  "&": { backgroundColor: "var(--surface)", color: "var(--text)", height: "100%" },
  ".cm-content": {
    fontFamily: "var(--font-sans)",
    fontSize: "var(--text-md)",
    lineHeight: "1.6",
    padding: "var(--space-4) 0",
    caretColor: "var(--text)",
  },
  ".cm-line": { padding: "0 var(--space-4)" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": { overflow: "auto" },
  ".cm-selectionBackground, &.cm-focused .cm-selectionBackground": {
    backgroundColor: "var(--accent-soft) !important",
  },
  ".cm-cursor": { borderLeftColor: "var(--text)" },
  ".cm-placeholder": { color: "var(--text-muted)" },
});

export interface CodeEditorHooks {
  onChange(text: string): void;
  onSave(): void;
  onFiles(files: File[]): void;
}

/** Mounts an editor holding `text` into `parent`; the caller destroys it. */
export function createCodeEditor(parent: HTMLElement, text: string, hooks: CodeEditorHooks): EditorView {
  const withFiles = (files: FileList | undefined | null, e: Event) => {
    if (!files || files.length === 0) return false;
    e.preventDefault();
    hooks.onFiles([...files]);
    return true;
  };
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        history(),
        drawSelection(),
        markdown(),
        syntaxHighlighting(highlight),
        EditorView.lineWrapping,
        placeholder("Write in markdown. [[Links]] connect notes; drop or paste files to attach them."),
        keymap.of([
          {
            key: "Mod-s",
            preventDefault: true,
            run: () => {
              hooks.onSave();
              return true;
            },
          },
          ...defaultKeymap,
          ...historyKeymap,
          indentWithTab,
        ]),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) hooks.onChange(u.state.doc.toString());
        }),
        EditorView.domEventHandlers({
          drop: (e) => withFiles(e.dataTransfer?.files, e),
          paste: (e) => withFiles(e.clipboardData?.files, e),
        }),
        EditorView.contentAttributes.of({ "aria-label": "Note text", "aria-multiline": "true" }),
        theme,
      ],
    }),
  });
}

/** Replaces the whole text (taking the other version, or a merge), as one undoable change. */
export function setText(view: EditorView, text: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

/** Inserts `text` at the cursor, on its own line when the cursor is mid-line. */
export function insertAtCursor(view: EditorView, text: string): void {
  const { from, to } = view.state.selection.main;
  const line = view.state.doc.lineAt(from);
  const lead = from > line.from ? "\n" : "";
  view.dispatch({ changes: { from, to, insert: `${lead}${text}\n` } });
  view.focus();
}
