import { Database } from "bun:sqlite";

/**
 * When a backup replaces a home that went on after it was taken, the restored hub.db would forget
 * what happened since: tokens revoked since would work again (its signing keys are the same), and so
 * would tokens issued since, connected apps removed since and sessions logged out since. This carries
 * that forward from the replaced hub.db into the restored one: anything revoked there is revoked
 * here, a token this database never heard of is recorded as revoked, a refresh token or app revoked
 * there is revoked here, and only sessions both know survive.
 */
export function carryRevocations(restoredDb: string, replacedDb: string, now: number): void {
  const db = new Database(restoredDb, { readwrite: true, create: false });
  try {
    db.exec("PRAGMA busy_timeout = 10000");
    db.query("ATTACH DATABASE ? AS old").run(replacedDb);
    const cols = "jti, sub, aud, scope, label, kind, issued_at, expires_at";
    db.transaction(() => {
      db.query(
        `UPDATE tokens SET revoked_at = coalesce(revoked_at, ?)
         WHERE jti IN (SELECT jti FROM old.tokens WHERE revoked_at IS NOT NULL)`,
      ).run(now);
      db.query(
        `INSERT INTO tokens (${cols}, revoked_at) SELECT ${cols}, ? FROM old.tokens
         WHERE jti NOT IN (SELECT jti FROM main.tokens)`,
      ).run(now);
      db.query(
        `UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, ?)
         WHERE family IN (SELECT family FROM old.refresh_tokens WHERE revoked_at IS NOT NULL)`,
      ).run(now);
      db.query(
        `UPDATE oauth_clients SET revoked_at = coalesce(revoked_at, ?)
         WHERE client_id IN (SELECT client_id FROM old.oauth_clients WHERE revoked_at IS NOT NULL)`,
      ).run(now);
      db.exec("DELETE FROM sessions WHERE id_hash NOT IN (SELECT id_hash FROM old.sessions)");
    })();
    db.exec("DETACH DATABASE old");
  } finally {
    db.close();
  }
}
