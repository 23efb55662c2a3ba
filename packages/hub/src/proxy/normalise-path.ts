import { HubError } from "../errors.ts";

const ENCODED_SEPARATOR = /%(2f|5c|00)/i;
const BAD_PERCENT = /%(?![0-9a-f]{2})/i;
const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(\/|$)/i;

/**
 * Returns the canonical form of a request path for routing, or throws a 400.
 *
 * The HTTP server has already resolved `.` and `..` segments (also as `%2e`) by the URL standard, the
 * way browsers and curl do, so the path routed and the path forwarded are one and the same: a request
 * is read as the call it resolves to. What the URL standard leaves in place and a module might
 * decode differently is refused here: encoded slashes and backslashes, NUL bytes, malformed percent
 * escapes, and any dot segment that survived. Runs of slashes collapse to one.
 */
export function normalisePath(pathname: string): string {
  if (ENCODED_SEPARATOR.test(pathname)) {
    throw new HubError(
      "invalid",
      "bad_path",
      "encoded slashes, backslashes and NUL bytes are not allowed in paths",
    );
  }
  if (BAD_PERCENT.test(pathname))
    throw new HubError("invalid", "bad_path", "the path has a malformed % escape");
  if (pathname.includes("\\") || pathname.includes("\0")) {
    throw new HubError("invalid", "bad_path", "backslashes and NUL bytes are not allowed in paths");
  }
  const collapsed = pathname.replace(/\/{2,}/g, "/");
  if (DOT_SEGMENT.test(collapsed))
    throw new HubError("invalid", "bad_path", "dot segments are not allowed in paths");
  return collapsed;
}
