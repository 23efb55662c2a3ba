/**
 * hub.db's schema, as append-only numbered migrations: a released migration is never edited, a
 * change is a new entry at the end.
 */
export const MIGRATIONS: string[] = [
  `CREATE TABLE users (
     id INTEGER PRIMARY KEY,
     username TEXT NOT NULL UNIQUE COLLATE NOCASE,
     password_hash TEXT NOT NULL,
     totp_secret TEXT,
     totp_pending TEXT,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE backup_codes (
     user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     code_hash TEXT NOT NULL,
     used_at INTEGER,
     PRIMARY KEY (user_id, code_hash)
   );
   CREATE TABLE sessions (
     id_hash TEXT PRIMARY KEY,
     user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     csrf TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     absolute_expires_at INTEGER NOT NULL
   );
   CREATE TABLE signing_keys (
     kid TEXT PRIMARY KEY,
     alg TEXT NOT NULL,
     private_jwk TEXT NOT NULL,
     public_jwk TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     retired_at INTEGER
   );
   CREATE TABLE tokens (
     jti TEXT PRIMARY KEY,
     sub TEXT NOT NULL,
     aud TEXT NOT NULL,
     scope TEXT NOT NULL,
     label TEXT,
     kind TEXT NOT NULL,
     issued_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     revoked_at INTEGER
   );
   CREATE TABLE oauth_clients (
     client_id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     redirect_uris TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     revoked_at INTEGER
   );
   CREATE TABLE oauth_codes (
     code_hash TEXT PRIMARY KEY,
     client_id TEXT NOT NULL,
     user_id INTEGER NOT NULL,
     redirect_uri TEXT NOT NULL,
     scope TEXT NOT NULL,
     resource TEXT,
     challenge TEXT NOT NULL,
     expires_at INTEGER NOT NULL,
     used_at INTEGER
   );
   CREATE TABLE refresh_tokens (
     token_hash TEXT PRIMARY KEY,
     family TEXT NOT NULL,
     client_id TEXT NOT NULL,
     user_id INTEGER NOT NULL,
     scope TEXT NOT NULL,
     resource TEXT,
     expires_at INTEGER NOT NULL,
     used_at INTEGER,
     revoked_at INTEGER
   );
   CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  `ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;`,
  `CREATE TABLE login_throttle (
     key TEXT PRIMARY KEY,
     failures INTEGER NOT NULL,
     last_at INTEGER NOT NULL,
     blocked_until INTEGER NOT NULL
   );
   CREATE INDEX login_throttle_last ON login_throttle (last_at);`,
  `ALTER TABLE oauth_clients ADD COLUMN used_at INTEGER;
   ALTER TABLE oauth_clients ADD COLUMN registered_from TEXT;`,
  `ALTER TABLE oauth_codes ADD COLUMN family TEXT;`,
];
