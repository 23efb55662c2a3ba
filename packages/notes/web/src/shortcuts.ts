import { useEffect } from "react";

/** True when a key press belongs to something being typed into. */
function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
}

/** The app's single-key shortcuts, ignored while typing: `n` new note, `/` search, `c` capture. */
export function useShortcuts(actions: { newNote(): void; search(): void; capture(): void }): void {
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      const act = { n: actions.newNote, "/": actions.search, c: actions.capture }[e.key];
      if (!act) return;
      e.preventDefault();
      act();
    };
    addEventListener("keydown", on);
    return () => removeEventListener("keydown", on);
  }, [actions]);
}
