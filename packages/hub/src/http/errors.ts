import { HttpError } from "@parachute/module-kit";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HubError, type HubErrorKind } from "../errors.ts";

const STATUS: Record<HubErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unprocessable: 422,
  throttled: 429,
  failed: 500,
  upstream: 502,
  unavailable: 503,
  storage_full: 507,
  unusable: 500,
};

/** The HTTP status an error of this kind is answered with. */
export function statusOf(kind: HubErrorKind): number {
  return STATUS[kind];
}

/** What the wire says of an error: its status, stable code and message. */
export interface WireError {
  status: number;
  code: string;
  message: string;
}

/**
 * Any thrown value in wire terms. Errors of the module kit's body readers are already HTTP errors;
 * anything unknown is an internal failure whose details stay in the hub.
 */
export function wireError(err: unknown): WireError & { headers: Record<string, string> } {
  if (err instanceof HubError) {
    const headers: Record<string, string> = {};
    if (err.hints.retryAfterS !== undefined) headers["retry-after"] = String(err.hints.retryAfterS);
    if (err.hints.challenge !== undefined) headers["www-authenticate"] = err.hints.challenge;
    return { status: STATUS[err.kind], code: err.code, message: err.message, headers };
  }
  if (err instanceof HttpError)
    return { status: err.status, code: err.code, message: err.message, headers: err.headers };
  return { status: 500, code: "internal", message: "internal error", headers: {} };
}

/** Renders a thrown value as `{ "error": code, "message": text }` with its status. */
export function errorResponse(err: unknown): Response {
  const e = wireError(err);
  return Response.json({ error: e.code, message: e.message }, { status: e.status, headers: e.headers });
}

/**
 * Refuses a request body over `maxBytes` with 413: by its declared length before anything is read,
 * or as soon as a chunked body passes the cap.
 */
export function capBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () =>
      errorResponse(new HubError("too_large", "body_too_large", `the body is over ${maxBytes} bytes`)),
  });
}
