import { HttpError } from "@parachute/module-kit";
import { ScribeError, type ScribeErrorKind } from "../core/errors.ts";

const STATUS: Record<ScribeErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  too_large: 413,
  unsupported_media: 415,
  unprocessable: 422,
  busy: 429,
  engine_failed: 502,
  unavailable: 503,
  timeout: 504,
};

/**
 * An error as OpenAI's API shapes it (`{error: {message, type, code, param}}`), so OpenAI client
 * libraries show scribe's message as they would OpenAI's.
 */
export function openaiError(err: unknown): Response {
  let status = 500;
  let code = "internal_error";
  let message = "scribe failed unexpectedly; its log has the details";
  const headers: Record<string, string> = {};
  if (err instanceof ScribeError) {
    status = STATUS[err.kind];
    code = err.code;
    message = err.message;
    if (err.retryAfterS !== undefined) headers["retry-after"] = String(err.retryAfterS);
  } else if (err instanceof HttpError) {
    status = err.status;
    code = err.code;
    message = err.message;
    Object.assign(headers, err.headers);
  } else {
    console.error(err);
  }
  const type =
    status === 401
      ? "authentication_error"
      : status === 429
        ? "rate_limit_error"
        : status >= 500
          ? "server_error"
          : "invalid_request_error";
  return Response.json({ error: { message, type, code, param: null } }, { status, headers });
}
