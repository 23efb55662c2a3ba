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
