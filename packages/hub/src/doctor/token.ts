import { readFileSync, statSync } from "node:fs";
import { decodeJwt, type JWTPayload } from "jose";
import { type CheckResult, fail, ok, warn } from "./check.ts";

/** What reading operator.token gave. */
export type TokenFile =
  | { kind: "missing" }
  | { kind: "not-a-file"; what: string }
  | { kind: "unreadable"; reason: string }
  | { kind: "read"; token: string };

const MAX_TOKEN_BYTES = 16 * 1024;

export function readTokenFile(path: string): TokenFile {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile())
      return { kind: "not-a-file", what: st.isDirectory() ? "a folder" : "not a regular file" };
    size = st.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? { kind: "missing" } : { kind: "unreadable", reason: (err as Error).message };
  }
  if (size > MAX_TOKEN_BYTES) return { kind: "read", token: "" };
  try {
    return { kind: "read", token: readFileSync(path, "utf8").trim() };
  } catch (err) {
    return { kind: "unreadable", reason: (err as Error).message };
  }
}

/** The claims of a token-shaped text, or null when it is not a JWT. */
export function claimsOf(token: string): JWTPayload | null {
  try {
    return decodeJwt(token);
  } catch {
    return null;
  }
}

/** How the running hub answered the token: its HTTP status (0: no answer), or null when no hub runs. */
export type HubAnswer = { status: number } | null;

const RENEW = "restart the hub (`parachute serve`): at start it replaces a token it does not accept";

/**
 * The operator token can be read, holds a token, and (with the hub running) the hub accepts it:
 * without it no CLI verb but `serve` works.
 */
export function judgeToken(path: string, file: TokenFile, answer: HubAnswer, now: number): CheckResult {
  const running = answer !== null;
  if (file.kind === "missing") {
    return running
      ? fail("token", `there is no operator token at ${path}; the CLI cannot talk to the hub`, RENEW)
      : ok("token", `${path} is not created yet (the first serve writes it)`);
  }
  const renew = `remove it (rm -r ${path}) and restart the hub: at start it writes a new one`;
  if (file.kind === "not-a-file") return fail("token", `${path} is ${file.what}, not a token`, renew);
  if (file.kind === "unreadable")
    return fail(
      "token",
      `${path} cannot be read (${file.reason})`,
      `it must belong to the user that runs the hub, mode 600: chown $(id -u) ${path} && chmod 600 ${path}`,
    );
  const claims = claimsOf(file.token);
  if (!claims) return fail("token", `${path} does not hold a token`, renew);
  const exp = typeof claims.exp === "number" ? new Date(claims.exp * 1000) : null;
  const until = exp ? `, valid until ${exp.toISOString()}` : "";
  if (!running) {
    if (exp && exp.getTime() < now)
      return warn(
        "token",
        `${path} expired at ${exp.toISOString()}`,
        "the next `parachute serve` replaces it",
      );
    return ok("token", `${path} holds a token${until} (no hub runs to check it against)`);
  }
  if (answer.status === 401 || answer.status === 403)
    return fail("token", `the running hub refuses the operator token in ${path} (${answer.status})`, RENEW);
  if (answer.status !== 200) {
    const what = answer.status === 0 ? "did not answer" : `answered ${answer.status}`;
    return warn("token", `the hub ${what} when asked with the operator token`, "see the hub's log");
  }
  return ok("token", `the running hub accepts the operator token${until}`);
}
