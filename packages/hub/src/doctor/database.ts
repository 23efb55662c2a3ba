import { constants, Database } from "bun:sqlite";
import { existsSync, statSync } from "node:fs";
import { MIGRATIONS } from "../store/migrations.ts";
import { type CheckResult, fail, ok } from "./check.ts";

/**
 * Opens hub.db without changing anything. Where a WAL and its index are there (a running hub's, or
 * one cut short) it is opened read-only in place, as one more reader. Otherwise it is opened
 * `immutable`: a read-only open of a WAL database would create the `-wal` and `-shm` files and leave
 * them behind.
 */
function openReadOnly(path: string): Database {
  if (existsSync(`${path}-wal`) && existsSync(`${path}-shm`)) return new Database(path, { readonly: true });
  const uri = `file:${path.replace(/[%?#]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)}?immutable=1`;
  return new Database(uri, constants.SQLITE_OPEN_READONLY | constants.SQLITE_OPEN_URI);
}

/** hub.db opens, passes SQLite's quick_check, and has a schema this hub knows. */
export function checkHubDb(path: string): CheckResult {
  if (!existsSync(path)) return ok("database", `${path} is not created yet (the first serve creates it)`);
  const backup = `${path}.pre-migration.bak`;
  const fix =
    "stop the hub, then restore it from a backup, or move it aside to start over (this forgets the admin account, sessions and tokens)" +
    (existsSync(backup) ? `; ${backup} is a copy from before the last schema upgrade` : "");
  if (!statSync(path).isFile()) return fail("database", `${path} is not a file`, fix);
  let db: Database | undefined;
  try {
    db = openReadOnly(path);
    db.exec("PRAGMA busy_timeout = 2000");
    const check = db.query("PRAGMA quick_check").get() as { quick_check: string } | null;
    if (check?.quick_check !== "ok") throw new Error(check?.quick_check ?? "the integrity check failed");
    const version = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
    if (version > MIGRATIONS.length)
      return fail(
        "database",
        `${path} was written by a newer hub (schema ${version}, this hub knows ${MIGRATIONS.length})`,
        "upgrade the hub: `parachute upgrade hub`",
      );
    return ok("database", `${path} passes SQLite's quick_check (schema ${version})`);
  } catch (err) {
    return fail("database", `${path} is not a usable database (${(err as Error).message})`, fix);
  } finally {
    db?.close();
  }
}
