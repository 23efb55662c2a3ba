import { HttpError } from "@parachute/module-kit";
import type { MiddlewareHandler } from "hono";
import { tokenMatches } from "../platform/operator-token.ts";

/** Admits only requests bearing the operator token; nothing is trusted by address. */
export function requireOperator(token: string): MiddlewareHandler {
  return async (c, next) => {
    const m = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
    if (!m || !tokenMatches(m[1]!, token)) {
      throw new HttpError(
        401,
        "unauthorized",
        "this API needs the operator token (Authorization: Bearer …)",
        {
          "www-authenticate": 'Bearer realm="parachute"',
        },
      );
    }
    await next();
  };
}
