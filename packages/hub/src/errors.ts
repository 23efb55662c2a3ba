/**
 * What went wrong, in terms a person and a program can act on. The HTTP edge maps a kind onto a
 * status (`http/errors.ts`), the CLI edge onto an exit code (`cli/exit-codes.ts`).
 */
export type HubErrorKind =
  | "invalid"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "too_large"
  | "unprocessable"
  | "throttled"
  | "failed"
  | "upstream"
  | "unavailable"
  | "storage_full"
  | "unusable";

/** How a caller may react besides reading the message. */
export interface HubErrorHints {
  /** Seconds after which trying again may work. */
  retryAfterS?: number;
  /** The credential that would be accepted (`Bearer realm=…`), for an `unauthorized` error. */
  challenge?: string;
}

/** The hub's one error type: a kind, a stable machine-readable `code` and a message for people. */
export class HubError extends Error {
  constructor(
    readonly kind: HubErrorKind,
    readonly code: string,
    message: string,
    readonly hints: HubErrorHints = {},
  ) {
    super(message);
    this.name = "HubError";
  }
}

/** The challenge the hub's own API and the proxy answer an anonymous request with. */
export const BEARER_CHALLENGE = 'Bearer realm="parachute"';
