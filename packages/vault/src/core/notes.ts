import type { Database } from "bun:sqlite";
import { invalid, VaultError } from "./errors.ts";
import { normaliseNotePath, pathKey } from "./paths.ts";
import { SearchIndex } from "./search/index-store.ts";
import { normaliseTags } from "./tags.ts";
import { parseWikiLinks, rewriteWikiLinks } from "./wikilinks.ts";

export interface Note {
  id: string;
  path: string;
  content: string;
  metadata: Record<string, unknown>;
  tags: string[];
  created_at: string;
  updated_at: string;
}

export interface NewNote {
  path: string;
  content?: string;
  metadata?: Record<string, unknown>;
  tags?: string[];
}

/** A partial update; every field optional, applied in one transaction. */
export interface NotePatch {
  path?: string;
  content?: string;
  append?: string;
  prepend?: string;
  edit?: { old: string; new: string };
  metadata?: Record<string, unknown>;
  tags_add?: string[];
  tags_remove?: string[];
  if_updated_at?: string;
}

export const MAX_CONTENT = 1024 * 1024;

interface Row {
  rowid: number;
  id: string;
  path: string;
  path_key: string;
  content: string;
  metadata: string;
  created_at: string;
  updated_at: string;
}

/** How deeply metadata may nest objects and arrays. */
const MAX_METADATA_DEPTH = 16;

/** Whether `v` nests objects or arrays deeper than `max` (stops as soon as it knows). */
function nestsDeeper(v: unknown, max: number): boolean {
  if (typeof v !== "object" || v === null) return false;
  if (max === 0) return true;
  return Object.values(v).some((child) => nestsDeeper(child, max - 1));
}

function checkMetadata(m: unknown): Record<string, unknown> {
  if (typeof m !== "object" || m === null || Array.isArray(m))
    throw invalid("invalid_metadata", "metadata must be a JSON object");
  if (nestsDeeper(m, MAX_METADATA_DEPTH))
    throw invalid(
      "invalid_metadata",
      `metadata nests objects or arrays more than ${MAX_METADATA_DEPTH} deep`,
    );
  if (JSON.stringify(m).length > 64 * 1024) throw invalid("invalid_metadata", "metadata is over 64 KB");
  return m as Record<string, unknown>;
}

function checkContent(c: unknown): string {
  if (typeof c !== "string") throw invalid("invalid_content", "content must be a string");
  if (c.length > MAX_CONTENT)
    throw new VaultError("too_large", "content_too_large", `content is over ${MAX_CONTENT} characters`);
  // A lone surrogate is stored as U+FFFD (SQLite keeps UTF-8): what a write answers is what it kept.
  return c.toWellFormed();
}

/**
 * The notes of one vault: unique case-insensitive paths, markdown content, JSON metadata, tags, and
 * wikilinks kept in sync on every write (resolved when their target appears, rewritten on rename).
 * Every write is one transaction; timestamps only move forward.
 */
export class NoteStore {
  private lastStamp = 0;
  readonly search: SearchIndex;
  private readonly inTransaction: (fn: () => unknown) => unknown;

  constructor(
    readonly db: Database,
    private readonly now: () => number,
  ) {
    this.search = new SearchIndex(db, now);
    // Made once: bun:sqlite builds a transaction function with defineProperties (~15 µs a write).
    this.inTransaction = db.transaction((fn: () => unknown) => {
      const out = fn();
      this.search.afterWrite();
      return out;
    });
    const stats = this.search.stats();
    if (!stats.ready || !stats.ftsReady) this.search.rebuild();
    else this.search.catchUp(2000);
    const newest = db.query("SELECT max(updated_at) AS t FROM notes").get() as { t: string | null };
    this.lastStamp = newest.t ? Date.parse(newest.t) : 0;
  }

  create(input: NewNote): Note {
    return this.write(() => this.insert(input));
  }

  /** Creates several notes atomically: all of them or, on any error, none. */
  createMany(inputs: NewNote[]): Note[] {
    return this.write(() => inputs.map((n) => this.insert(n)));
  }

  get(ref: string): Note {
    return this.toNote(this.row(ref));
  }

  update(ref: string, patch: NotePatch): Note {
    return this.write(() => {
      const row = this.row(ref);
      if (patch.if_updated_at !== undefined && patch.if_updated_at !== row.updated_at) {
        throw new VaultError("conflict", "conflict", "the note changed since you read it", {
          current_updated_at: row.updated_at,
          your_updated_at: patch.if_updated_at,
        });
      }
      let content = patch.content !== undefined ? checkContent(patch.content) : row.content;
      if (patch.edit) content = applyEdit(content, patch.edit);
      if (patch.prepend !== undefined) content = checkContent(patch.prepend) + content;
      if (patch.append !== undefined) content = content + checkContent(patch.append);
      checkContent(content);
      const metadata = patch.metadata
        ? { ...JSON.parse(row.metadata), ...checkMetadata(patch.metadata) }
        : JSON.parse(row.metadata);
      for (const [k, v] of Object.entries(metadata)) if (v === null) delete metadata[k];
      const stamp = this.stamp();
      let path = row.path;
      if (patch.path !== undefined) path = this.rename(row, normaliseNotePath(patch.path));
      this.db
        .query(
          "UPDATE notes SET path = ?, path_key = ?, content = ?, metadata = ?, updated_at = ? WHERE id = ?",
        )
        .run(path, pathKey(path), content, JSON.stringify(metadata), stamp, row.id);
      for (const t of normaliseTags(patch.tags_add))
        this.db.query("INSERT OR IGNORE INTO tags (note_id, tag) VALUES (?, ?)").run(row.id, t);
      for (const t of normaliseTags(patch.tags_remove))
        this.db.query("DELETE FROM tags WHERE note_id = ? AND tag = ?").run(row.id, t);
      if (content !== row.content || patch.metadata) this.syncLinks(row.id, content, metadata);
      return this.get(row.id);
    });
  }

  delete(ref: string): void {
    this.write(() => {
      const row = this.row(ref);
      this.db.query("DELETE FROM notes WHERE id = ?").run(row.id);
      this.relink(row.path_key);
    });
  }

  /** One write transaction, with the search index told before it commits. */
  private write<T>(fn: () => T): T {
    return this.inTransaction(fn) as T;
  }

  /** Notes linking to this one. */
  backlinks(ref: string): { id: string; path: string; kind: string }[] {
    const row = this.row(ref);
    return this.db
      .query(
        "SELECT DISTINCT n.id, n.path, l.kind FROM links l JOIN notes n ON n.id = l.source_id WHERE l.target_id = ? ORDER BY n.path",
      )
      .all(row.id) as { id: string; path: string; kind: string }[];
  }

  /** This note's outgoing links, resolved or not. */
  links(
    ref: string,
  ): { target: string; id: string | null; kind: string; heading: string | null; alias: string | null }[] {
    const row = this.row(ref);
    return this.db
      .query(
        "SELECT target_key AS target, target_id AS id, kind, heading, alias FROM links WHERE source_id = ? ORDER BY ord",
      )
      .all(row.id) as {
      target: string;
      id: string | null;
      kind: string;
      heading: string | null;
      alias: string | null;
    }[];
  }

  /** Finds a note's row by id or by path (case-insensitive). */
  row(ref: string): Row {
    if (typeof ref !== "string" || ref === "") throw invalid("invalid_ref", "a note id or path is required");
    const byId = this.db.query("SELECT rowid, * FROM notes WHERE id = ?").get(ref) as Row | null;
    if (byId) return byId;
    let key: string;
    try {
      key = pathKey(normaliseNotePath(ref));
    } catch {
      throw new VaultError("not_found", "not_found", `no note ${ref}`);
    }
    const byPath = this.db.query("SELECT rowid, * FROM notes WHERE path_key = ?").get(key) as Row | null;
    if (!byPath) throw new VaultError("not_found", "not_found", `no note ${ref}`);
    return byPath;
  }

  toNote(row: Row): Note {
    const tags = this.tagsOf(row.id);
    return {
      id: row.id,
      path: row.path,
      content: row.content,
      metadata: JSON.parse(row.metadata),
      tags,
      created_at: row.created_at,
      updated_at: row.updated_at,
    };
  }

  private tagsOf(id: string): string[] {
    return (
      this.db.query("SELECT tag FROM tags WHERE note_id = ? ORDER BY tag").all(id) as { tag: string }[]
    ).map((t) => t.tag);
  }

  private insert(input: NewNote): Note {
    if (typeof input !== "object" || input === null)
      throw invalid("invalid_body", "a note must be an object");
    const path = normaliseNotePath(input.path);
    const content = checkContent(input.content ?? "");
    const metadata = checkMetadata(input.metadata ?? {});
    const tags = normaliseTags(input.tags);
    if (this.db.query("SELECT 1 FROM notes WHERE path_key = ?").get(pathKey(path))) {
      throw new VaultError("conflict", "path_taken", `a note already exists at ${path}`);
    }
    const id = Bun.randomUUIDv7();
    const stamp = this.stamp();
    this.db
      .query(
        "INSERT INTO notes (id, path, path_key, name_key, content, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(id, path, pathKey(path), nameKey(path), content, JSON.stringify(metadata), stamp, stamp);
    for (const t of tags) this.db.query("INSERT INTO tags (note_id, tag) VALUES (?, ?)").run(id, t);
    this.syncLinks(id, content, metadata, true);
    this.relink(pathKey(path));
    // As `get` would read it back (tags in the database's order), without reading it back.
    return {
      id,
      path,
      content,
      metadata: JSON.parse(JSON.stringify(metadata)),
      tags: tags.length < 2 ? tags : this.tagsOf(id),
      created_at: stamp,
      updated_at: stamp,
    };
  }

  /** Moves a note to `to`, rewriting the links that pointed at it in the notes that hold them. */
  private rename(row: Row, to: string): string {
    if (pathKey(to) === row.path_key) return to;
    if (this.db.query("SELECT 1 FROM notes WHERE path_key = ?").get(pathKey(to))) {
      throw new VaultError("conflict", "path_taken", `a note already exists at ${to}`);
    }
    const sources = this.db
      .query(
        "SELECT DISTINCT n.id, n.content FROM links l JOIN notes n ON n.id = l.source_id WHERE l.target_id = ? AND n.id != ?",
      )
      .all(row.id, row.id) as { id: string; content: string }[];
    const oldBase = row.path.split("/").pop()!;
    // A bare-name link is rewritten only when that name led to this note, not to a namesake.
    const baseIsOurs = oldBase.toLowerCase() !== row.path_key && this.resolve(pathKey(oldBase)) === row.id;
    this.db
      .query("UPDATE notes SET path = ?, path_key = ?, name_key = ? WHERE id = ?")
      .run(to, pathKey(to), nameKey(to), row.id);
    this.relink(row.path_key);
    this.relink(pathKey(to));
    const stamp = this.stamp();
    for (const s of sources) {
      let next = rewriteWikiLinks(s.content, row.path, to);
      if (baseIsOurs) next = rewriteWikiLinks(next, oldBase, to);
      if (next === s.content) continue;
      this.db.query("UPDATE notes SET content = ?, updated_at = ? WHERE id = ?").run(next, stamp, s.id);
      this.syncLinks(
        s.id,
        next,
        JSON.parse(
          (this.db.query("SELECT metadata FROM notes WHERE id = ?").get(s.id) as { metadata: string })
            .metadata,
        ),
      );
    }
    return to;
  }

  /** Rebuilds a note's links: its wikilinks and embeds, and the typed links its metadata declares. */
  private syncLinks(
    sourceId: string,
    content: string,
    metadata: Record<string, unknown>,
    fresh = false,
  ): void {
    // A note just created holds no links yet.
    if (!fresh) this.db.query("DELETE FROM links WHERE source_id = ?").run(sourceId);
    const found = [
      ...parseWikiLinks(content).map((l) => ({ ...l, kind: l.embed ? "embed" : "wikilink" })),
      ...typedLinks(metadata).map((l) => ({ ...l, heading: null, alias: null })),
    ];
    found.forEach((l, ord) => {
      let key: string;
      try {
        key = pathKey(normaliseNotePath(l.target));
      } catch {
        return;
      }
      this.db
        .query(
          "INSERT INTO links (source_id, target_key, target_id, kind, heading, alias, ord) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .run(sourceId, key, this.resolve(key), l.kind, l.heading, l.alias, ord);
    });
  }

  /** A link key's note: the exact path, else the one note whose last segment it is. */
  private resolve(key: string): string | null {
    const exact = this.db.query("SELECT id FROM notes WHERE path_key = ?").get(key) as { id: string } | null;
    if (exact) return exact.id;
    if (key.includes("/")) return null;
    const hits = this.db.query("SELECT id FROM notes WHERE name_key = ? LIMIT 2").all(key) as {
      id: string;
    }[];
    return hits.length === 1 ? hits[0]!.id : null;
  }

  /**
   * Re-resolves every link that names `key` or its last segment, after a note appeared, moved or
   * went away there: an exact path wins, a bare name needs exactly one note of that name.
   */
  private relink(key: string): void {
    const base = key.split("/").pop()!;
    // Most new notes are named by no link: one lookup is ~10 times cheaper than empty updates.
    const named = this.db
      .query(
        "SELECT EXISTS (SELECT 1 FROM links WHERE target_key = ?1) AS key, EXISTS (SELECT 1 FROM links WHERE target_key = ?2) AS base",
      )
      .get(key, base) as { key: number; base: number };
    const linked = new Set<string>();
    if (named.key) linked.add(key);
    if (named.base) linked.add(base);
    for (const k of linked)
      this.db.query("UPDATE links SET target_id = ? WHERE target_key = ?").run(this.resolve(k), k);
  }

  /** An ISO timestamp strictly after the previous one, so `updated_at` identifies a version. */
  private stamp(): string {
    this.lastStamp = Math.max(this.now(), this.lastStamp + 1);
    return new Date(this.lastStamp).toISOString();
  }
}

/**
 * Typed links declared in metadata: `links: {<type>: "<target>" | ["<target>", …]}`, e.g.
 * `{"links": {"parent": "Areas/Work", "related": ["[[Beta]]"]}}`. A bad shape is refused.
 */
function typedLinks(metadata: Record<string, unknown>): { target: string; kind: string }[] {
  const declared = metadata.links;
  if (declared === undefined) return [];
  if (typeof declared !== "object" || declared === null || Array.isArray(declared)) {
    throw invalid("invalid_links", 'metadata "links" must map a link type to a target or a list of targets');
  }
  return Object.entries(declared).flatMap(([kind, v]) => {
    if (!/^[a-z][a-z0-9_-]{0,39}$/.test(kind) || kind === "wikilink" || kind === "embed") {
      throw invalid("invalid_links", `"${kind}" is not a link type`);
    }
    const targets = Array.isArray(v) ? v : [v];
    return targets.map((t) => {
      if (typeof t !== "string" || !t.trim())
        throw invalid("invalid_links", `links of type "${kind}" must be note paths`);
      return { target: t.trim().replace(/^\[\[|\]\]$/g, ""), kind };
    });
  });
}

/** The case-insensitive last segment of a path, which a bare `[[name]]` link resolves by. */
const nameKey = (path: string) => pathKey(path).split("/").pop()!;

function applyEdit(content: string, edit: { old: string; new: string }): string {
  if (typeof edit.old !== "string" || typeof edit.new !== "string" || edit.old === "") {
    throw invalid("invalid_edit", "edit needs non-empty old text and new text");
  }
  const first = content.indexOf(edit.old);
  if (first < 0) throw new VaultError("unprocessable", "edit_not_found", "the old text is not in the note");
  if (content.indexOf(edit.old, first + 1) >= 0) {
    throw new VaultError(
      "conflict",
      "edit_ambiguous",
      "the old text appears more than once; give more context",
    );
  }
  return content.slice(0, first) + edit.new + content.slice(first + edit.old.length);
}
