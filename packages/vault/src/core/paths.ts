import { invalid } from "./errors.ts";

const MAX_PATH = 512;

/**
 * Canonical form of a note path: trimmed, `/`-separated, no leading or trailing slash, runs of slashes
 * collapsed, a trailing `.md` dropped (all of it, until nothing changes). Refuses what could escape or
 * confuse: `.`/`..` segments, NUL and control characters, backslashes, empty paths, over-long ones.
 */
export function normaliseNotePath(raw: string): string {
  if (typeof raw !== "string") throw invalid("invalid_path", "the note path must be a string");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f-\u009f\\]/.test(raw))
    throw invalid("invalid_path", "the note path has a control character or backslash");
  // Again until nothing changes, so a canonical path is its own canonical form: `a /` and `a.md.md`
  // would otherwise be stored as `a ` and `a.md`, which name another note when looked up.
  let path = raw.toWellFormed(); // as SQLite will keep it (a lone surrogate becomes U+FFFD)
  for (let before = ""; before !== path; ) {
    before = path;
    path = path
      .trim()
      .replace(/\/{2,}/g, "/")
      .replace(/^\/|\/$/g, "");
    const bare = path.replace(/\.md$/i, "");
    if (bare !== path && (bare === "" || bare.endsWith("/")))
      throw invalid("invalid_path", `"${path.slice(0, 100)}" ends in a segment that is only .md`);
    path = bare;
  }
  if (!path) throw invalid("invalid_path", "the note path is empty");
  if (path.length > MAX_PATH) throw invalid("invalid_path", `the note path is over ${MAX_PATH} characters`);
  for (const seg of path.split("/")) {
    if (seg === "." || seg === ".." || seg.trim() === "")
      throw invalid("invalid_path", `"${seg}" is not allowed in a note path`);
  }
  return path;
}

/** The case-insensitive key a path is unique by. */
export function pathKey(path: string): string {
  return path.toLowerCase();
}
