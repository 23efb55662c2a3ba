/**
 * Both versions of a note in one text: the lines they share once, and where they differ, each
 * side's lines between markers for the person to settle.
 */
const MARK_MINE = "<<<<<<< your version";
const MARK_SPLIT = "=======";
const MARK_THEIRS = ">>>>>>> saved elsewhere";

export function mergeBoth(mine: string, theirs: string): string {
  if (mine === theirs) return mine;
  const a = mine.split("\n");
  const b = theirs.split("\n");
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end])
    end++;
  return [
    ...a.slice(0, start),
    MARK_MINE,
    ...a.slice(start, a.length - end),
    MARK_SPLIT,
    ...b.slice(start, b.length - end),
    MARK_THEIRS,
    ...a.slice(a.length - end),
  ].join("\n");
}

/** Whether a text still has unsettled merge markers. */
export function hasMarkers(text: string): boolean {
  return text.split("\n").some((l) => l === MARK_MINE || l === MARK_THEIRS);
}
