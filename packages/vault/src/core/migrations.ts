import {
  SEARCH_DIRTY_SIZE,
  SEARCH_FTS_LOG,
  SEARCH_GROUPS,
  SEARCH_PREFIXES,
  SEARCH_SCHEMA,
} from "./search/index-store.ts";

/** A vault database's schema, as append-only numbered migrations. */
export const MIGRATIONS: string[] = [
  `CREATE TABLE notes (
     id TEXT PRIMARY KEY,
     path TEXT NOT NULL,
     path_key TEXT NOT NULL UNIQUE,
     content TEXT NOT NULL DEFAULT '',
     metadata TEXT NOT NULL DEFAULT '{}',
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX notes_updated ON notes (updated_at, id);
   CREATE INDEX notes_created ON notes (created_at, id);
   CREATE TABLE tags (
     note_id TEXT NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
     tag TEXT NOT NULL,
     PRIMARY KEY (note_id, tag)
   );
   CREATE INDEX tags_tag ON tags (tag);
   CREATE TABLE links (
     source_id TEXT NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
     target_key TEXT NOT NULL,
     target_id TEXT REFERENCES notes(id) ON DELETE SET NULL,
     kind TEXT NOT NULL,
     heading TEXT,
     alias TEXT,
     ord INTEGER NOT NULL
   );
   CREATE INDEX links_source ON links (source_id);
   CREATE INDEX links_target_key ON links (target_key);
   CREATE INDEX links_target_id ON links (target_id);
   CREATE VIRTUAL TABLE notes_fts USING fts5(
     path, content, content='notes', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
   );
   CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN
     INSERT INTO notes_fts (rowid, path, content) VALUES (new.rowid, new.path, new.content);
   END;
   CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN
     INSERT INTO notes_fts (notes_fts, rowid, path, content) VALUES ('delete', old.rowid, old.path, old.content);
   END;
   CREATE TRIGGER notes_fts_update AFTER UPDATE OF path, content ON notes BEGIN
     INSERT INTO notes_fts (notes_fts, rowid, path, content) VALUES ('delete', old.rowid, old.path, old.content);
     INSERT INTO notes_fts (rowid, path, content) VALUES (new.rowid, new.path, new.content);
   END;`,
  `CREATE TABLE attachments (
     id TEXT PRIMARY KEY,
     note_id TEXT NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
     name TEXT NOT NULL,
     mime TEXT NOT NULL,
     size INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     created_at TEXT NOT NULL,
     UNIQUE (note_id, name)
   );`,
  `CREATE TABLE vault_tokens (
     id TEXT PRIMARY KEY,
     token_hash TEXT NOT NULL UNIQUE,
     verb TEXT NOT NULL CHECK (verb IN ('read', 'write', 'admin')),
     label TEXT,
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     revoked_at TEXT
   );`,
  `ALTER TABLE notes ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
   UPDATE notes SET name_key = substr(path_key, length(rtrim(path_key, replace(path_key, '/', ''))) + 1);
   CREATE INDEX notes_name_key ON notes (name_key);`,
  `CREATE TABLE transcriptions (
     attachment_id TEXT PRIMARY KEY REFERENCES attachments(id) ON DELETE CASCADE,
     note_id TEXT NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
     placeholder TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     waits INTEGER NOT NULL DEFAULT 0,
     next_at INTEGER NOT NULL,
     last_error TEXT,
     created_at TEXT NOT NULL
   );
   CREATE INDEX transcriptions_due ON transcriptions (next_at);`,
  SEARCH_SCHEMA,
  // A bulk import skips FTS5 row by row and rebuilds it once at the end (ten times faster); while
  // `fts_ready` is 0 the triggers leave FTS5 alone, and the next open rebuilds it if the import died.
  `ALTER TABLE search_stats ADD COLUMN fts_ready INTEGER NOT NULL DEFAULT 1;
   DROP TRIGGER notes_fts_insert;
   DROP TRIGGER notes_fts_delete;
   DROP TRIGGER notes_fts_update;
   CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes WHEN (SELECT fts_ready FROM search_stats) BEGIN
     INSERT INTO notes_fts (rowid, path, content) VALUES (new.rowid, new.path, new.content);
   END;
   CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes WHEN (SELECT fts_ready FROM search_stats) BEGIN
     INSERT INTO notes_fts (notes_fts, rowid, path, content) VALUES ('delete', old.rowid, old.path, old.content);
   END;
   CREATE TRIGGER notes_fts_update AFTER UPDATE OF path, content ON notes WHEN (SELECT fts_ready FROM search_stats) BEGIN
     INSERT INTO notes_fts (notes_fts, rowid, path, content) VALUES ('delete', old.rowid, old.path, old.content);
     INSERT INTO notes_fts (rowid, path, content) VALUES (new.rowid, new.path, new.content);
   END;`,
  SEARCH_GROUPS,
  SEARCH_DIRTY_SIZE,
  SEARCH_PREFIXES,
  // FTS5 merges its segments a little on every write; at 4 segments a level (the default) that was
  // ~250 µs of each create at 100k notes, at 8 ~130 µs. Its searches read at most twice the segments.
  "INSERT INTO notes_fts (notes_fts, rank) VALUES ('automerge', 8);",
  SEARCH_FTS_LOG,
];
