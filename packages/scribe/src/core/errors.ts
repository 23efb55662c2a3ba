/** What went wrong, as the HTTP edge maps it: one kind per answer scribe gives. */
export type ScribeErrorKind =
  | "invalid" // 400: a bad field
  | "unauthorized" // 401
  | "forbidden" // 403
  | "too_large" // 413
  | "unsupported_media" // 415: not audio ffmpeg can read
  | "unprocessable" // 422: audio, but not something the engine can do
  | "busy" // 429: the queue is full
  | "engine_failed" // 502: the engine or the remote service failed
  | "unavailable" // 503: no usable engine
  | "timeout"; // 504: the job ran past its time

/** The one error type of scribe's core; `retryAfterS` goes with `busy`. */
export class ScribeError extends Error {
  constructor(
    readonly kind: ScribeErrorKind,
    readonly code: string,
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = "ScribeError";
  }
}
