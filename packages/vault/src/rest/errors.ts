import { errorResponse, HttpError } from "@parachute/module-kit";
import { lockedError, VaultError } from "../core/errors.ts";

const STATUS = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  too_large: 413,
  unsupported: 415,
  busy: 503,
} as const;

/** Renders core and HTTP errors as `{ error, message, ...details }` with the matching status. */
export function renderError(thrown: unknown): Response {
  const err = lockedError(thrown) ?? thrown;
  if (err instanceof VaultError) {
    const retry = err.details.retry_after;
    return Response.json(
      { error: err.code, message: err.message, ...err.details },
      {
        status: STATUS[err.kind],
        headers: typeof retry === "number" ? { "retry-after": String(retry) } : {},
      },
    );
  }
  if (err instanceof HttpError) return errorResponse(err);
  if ((err as { code?: string }).code === "SQLITE_FULL" || /disk is full|SQLITE_FULL/i.test(String(err))) {
    return Response.json(
      { error: "disk_full", message: "the disk is full; nothing was written" },
      { status: 507 },
    );
  }
  console.error(err);
  return errorResponse(err);
}
