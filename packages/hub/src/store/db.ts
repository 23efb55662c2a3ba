import { Database } from "bun:sqlite";
import { chmodSync, existsSync, rmSync } from "node:fs";
import { MIGRATIONS } from "./migrations.ts";

/** hub.db cannot be used; the message names the file and what to do. */
export class HubDbError extends Error {}

/**
 * Opens hub.db (WAL, foreign keys, owner-only files) and applies pending migrations in one
 * transaction each. A file that is not a healthy SQLite database is refused, never recreated.
 */
export function openHubDb(path: string): Database {
  const existed = existsSync(path);
  let db: Database | undefined;
  try {
    db = new Database(path, { create: true, strict: true });
    db.exec("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
    const check = db.query("PRAGMA quick_check").get() as { quick_check: string } | null;
    if (check?.quick_check !== "ok") throw new Error(check?.quick_check ?? "integrity check failed");
  } catch (err) {
    db?.close();
    throw new HubDbError(
      `${path} is not a usable database (${(err as Error).message}). Restore it from a backup, or move it ` +
        "aside to start over (this forgets the admin account, sessions and tokens).",
    );
  }
  for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  const version = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (version > MIGRATIONS.length) {
    throw new HubDbError(`${path} was written by a newer hub (schema ${version}); upgrade the hub`);
  }
  if (existed && version < MIGRATIONS.length && version > 0) {
    // A consistent copy (WAL included) of the database as it was before this upgrade.
    rmSync(`${path}.pre-migration.bak`, { force: true });
    db.query("VACUUM INTO ?").run(`${path}.pre-migration.bak`);
    chmodSync(`${path}.pre-migration.bak`, 0o600);
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    })();
  }
  return db;
}
