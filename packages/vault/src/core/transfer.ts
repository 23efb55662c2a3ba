import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { writeFileAtomic } from "@parachute/module-kit";
import type { AttachmentStore } from "./attachments.ts";
import { invalid } from "./errors.ts";
import { joinFrontmatter, splitFrontmatter } from "./frontmatter.ts";
import type { NewNote, NoteStore } from "./notes.ts";
import { queryNotes } from "./query.ts";

const BATCH = 1000;

/** Every `.md` file below `dir`, skipping hidden folders (`.obsidian`, `.git`, …). */
function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith(".")) continue;
      const full = join(d, name);
      if (statSync(full).isDirectory()) {
        if (!name.endsWith(ATTACHMENTS_SUFFIX)) walk(full);
      } else if (name.toLowerCase().endsWith(".md")) out.push(full);
    }
  };
  walk(dir);
  return out;
}

/** A markdown file as a note: frontmatter becomes metadata, a frontmatter `tags` list becomes tags. */
export function noteFromMarkdown(path: string, text: string): NewNote {
  const { metadata, body } = splitFrontmatter(text);
  const { tags, ...rest } = metadata;
  const tagList = Array.isArray(tags)
    ? tags.map(String)
    : typeof tags === "string"
      ? tags.split(/[\s,]+/).filter(Boolean)
      : [];
  return { path, content: body, metadata: rest, tags: tagList };
}

/** A note as markdown, the inverse of `noteFromMarkdown`. */
export function noteToMarkdown(note: {
  content: string;
  metadata: Record<string, unknown>;
  tags: string[];
}): string {
  const front = note.tags.length ? { ...note.metadata, tags: note.tags } : note.metadata;
  // Content that itself opens like frontmatter gets an explicit empty one, so it reads back as content.
  if (Object.keys(front).length === 0 && /^---\r?\n/.test(note.content))
    return `---\n{}\n---\n${note.content}`;
  return joinFrontmatter(front, note.content);
}

/** Files past which an import rebuilds the search indexes at its end instead of following writes. */
const BULK_FILES = 2000;

/**
 * Imports a folder of markdown files (Obsidian-compatible) into a vault, in transactions of a
 * thousand notes. Returns how many were imported.
 */
export async function importFolder(
  store: NoteStore,
  dir: string,
  attachments?: AttachmentStore,
): Promise<number> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw invalid("invalid_import", `${dir} is not a folder`);
  const files = markdownFiles(dir);
  // A big import builds the ranked index once at the end (FTS5 answers meanwhile); a kill before
  // then leaves it marked stale, and the next open rebuilds it.
  const bulk = files.length > BULK_FILES;
  if (bulk) store.search.markStale();
  // The next batch is read from disk (on the runtime's I/O threads) while this one is written.
  const read = (i: number) => Promise.all(files.slice(i, i + BATCH).map((f) => readFile(f, "utf8")));
  try {
    let reading = read(0);
    for (let i = 0; i < files.length; i += BATCH) {
      const texts = await reading;
      if (i + BATCH < files.length) {
        reading = read(i + BATCH);
        reading.catch(() => {}); // awaited next round; unobserved if this batch's write throws
      }
      const notes = texts.map((text, j) => {
        const path = relative(dir, files[i + j]!)
          .split(sep)
          .join("/")
          .replace(/\.md$/i, "");
        return noteFromMarkdown(path, text);
      });
      const created = store.createMany(notes);
      if (!attachments) continue;
      for (const [j, note] of created.entries()) {
        const folder = files[i + j]!.replace(/\.md$/i, ATTACHMENTS_SUFFIX);
        if (!existsSync(folder)) continue;
        for (const name of readdirSync(folder).sort()) {
          await attachments.add(note.id, name, new Uint8Array(readFileSync(join(folder, name))));
        }
      }
    }
  } catch (err) {
    // A failed import leaves what it wrote searchable (or, if even that fails, marked stale for the
    // next open), never the running vault answering from indexes frozen at its start.
    if (bulk)
      try {
        store.search.rebuild();
      } catch {}
    throw err;
  }
  if (bulk) store.search.rebuild();
  return files.length;
}

/** Attachments of `a/b.md` travel in the folder `a/b.attachments/`. */
const ATTACHMENTS_SUFFIX = ".attachments";

/** Writes every note of a vault as `<path>.md` under `dir`. Returns how many were written. */
export function exportFolder(store: NoteStore, dir: string, attachments?: AttachmentStore): number {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = queryNotes(store, { sort: "path_asc", limit: 500, cursor });
    for (const note of page.notes) {
      const file = join(dir, `${note.path}.md`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileAtomic(file, noteToMarkdown(note));
      for (const a of attachments?.list(note.id) ?? []) {
        const folder = join(dir, `${note.path}${ATTACHMENTS_SUFFIX}`);
        mkdirSync(folder, { recursive: true });
        copyFileSync(attachments!.get(a.id).file, join(folder, a.name));
      }
      count++;
    }
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return count;
}
