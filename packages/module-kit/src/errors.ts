/**
 * The one error type a module (or the hub) throws across an HTTP boundary.
 * `code` is stable and machine-readable; `message` is for people.
 * Rendered on the wire as `{ "error": code, "message": text }`.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** Renders any thrown value as the wire shape; unknown errors become a 500 without internals. */
export function errorResponse(err: unknown): Response {
  if (err instanceof HttpError) {
    return Response.json(
      { error: err.code, message: err.message },
      { status: err.status, headers: err.headers },
    );
  }
  return Response.json({ error: "internal", message: "internal error" }, { status: 500 });
}

/** A manifest (or other declared document) failed validation; `field` names the culprit. */
export class ManifestError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`manifest field "${field}": ${reason}`);
    this.name = "ManifestError";
  }
}
