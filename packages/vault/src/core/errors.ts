/**
 * The vault core's one error type. `code` is stable; adapters map `kind` onto their transport
 * (HTTP status, MCP error) in one place each.
 */
export type VaultErrorKind =
  | "invalid"
  | "not_found"
  | "conflict"
  | "unprocessable"
  | "too_large"
  | "unsupported"
  | "busy";

export class VaultError extends Error {
  constructor(
    readonly kind: VaultErrorKind,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "VaultError";
  }
}

export const invalid = (code: string, message: string) => new VaultError("invalid", code, message);

/**
 * SQLite's "database is locked" as the vault's own error: another process (an import, a reindex)
 * has held the file past the wait a write allows. Nothing was written; the write can be retried.
 */
export function lockedError(err: unknown): VaultError | null {
  if ((err as { code?: string }).code !== "SQLITE_BUSY" && !/database is locked/i.test(String(err)))
    return null;
  return new VaultError(
    "busy",
    "vault_locked",
    "another process is writing to this vault (an import or a reindex); nothing was written, try again when it is done",
    { retry_after: 5 },
  );
}
