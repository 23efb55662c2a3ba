import type { Database } from "bun:sqlite";
import { timingSafeEqual } from "node:crypto";
import { HubError } from "../errors.ts";
import { isOwnOrigin } from "../platform/origin.ts";
import type { TokenIssuer } from "./issuer.ts";
import { type Session, Sessions } from "./sessions.ts";
import { SetupToken } from "./setup-token.ts";
import { LoginThrottle } from "./throttle.ts";
import { checkUsername, type User, Users } from "./users.ts";

export interface LoginInput {
  username: string;
  password: string;
  totp?: string;
}

export interface IdentityDeps {
  db: Database;
  issuer: TokenIssuer;
  now: () => number;
  setupTokenFromEnv: string | undefined;
  /** Told once the admin account exists (the hub's log confirms it). */
  onSetup?: (user: User) => void;
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Cookie name: the `__Host-` prefix (Secure, Path=/, no Domain) whenever the hub is served over https. */
export function sessionCookieName(secure: boolean): string {
  return secure ? "__Host-parachute_session" : "parachute_session";
}

/** The name=value pairs of a Cookie header, names trimmed; a pair without a name or `=` is skipped. */
function parseCookies(header: string | null): [string, string][] {
  const pairs: [string, string][] = [];
  for (const part of (header ?? "").split(";")) {
    const i = part.indexOf("=");
    const name = i > 0 ? part.slice(0, i).trim() : "";
    if (name) pairs.push([name, part.slice(i + 1).trim()]);
  }
  return pairs;
}

export function readCookie(req: Request, name: string): string | null {
  return parseCookies(req.headers.get("cookie")).find(([n]) => n === name)?.[1] ?? null;
}

const SESSION_NAMES = new Set([sessionCookieName(true), sessionCookieName(false)]);

/**
 * Removes the hub's session cookie (either name, however spaced) from a Cookie header, parsed the
 * same way it is read; null when nothing is left.
 */
export function stripSessionCookie(cookie: string | null): string | null {
  const kept = parseCookies(cookie).filter(([name]) => !SESSION_NAMES.has(name));
  return kept.length ? kept.map(([n, v]) => `${n}=${v}`).join("; ") : null;
}

/**
 * Who is asking: the admin account, sessions, the login throttle, first-boot setup and the token
 * issuer behind one facade, so HTTP handlers stay thin.
 */
export class Identity {
  readonly users: Users;
  readonly sessions: Sessions;
  readonly throttle: LoginThrottle;
  readonly setupToken: SetupToken;
  readonly issuer: TokenIssuer;
  private readonly now: () => number;
  private readonly onSetup: (user: User) => void;
  private setUp = false;

  constructor(deps: IdentityDeps) {
    this.users = new Users(deps.db);
    this.sessions = new Sessions(deps.db, deps.now);
    this.throttle = new LoginThrottle(deps.db, deps.now);
    this.setupToken = new SetupToken(deps.db, deps.setupTokenFromEnv);
    this.issuer = deps.issuer;
    this.now = deps.now;
    this.onSetup = deps.onSetup ?? (() => {});
  }

  /** Whether setup is done; once true it stays true, so it is asked of the database only until then. */
  adminExists(): boolean {
    if (!this.setUp) this.setUp = this.users.count() > 0;
    return this.setUp;
  }

  /**
   * Creates the admin with the one-time setup token, which is consumed. Wrong tokens are throttled
   * like failed logins, per address and across all of them.
   */
  async setup(token: string, username: string, password: string, ip: string): Promise<User> {
    checkUsername(username);
    if (this.adminExists())
      throw new HubError("conflict", "already_set_up", "this hub already has an admin account");
    const keys = [`ip:${ip}`, "setup:token"];
    const wait = this.throttle.retryAfter(keys);
    if (wait > 0) throw tooMany(wait, false, "too many wrong setup tokens");
    // A wrong token is counted before any slow work, so guesses cost the guesser, not the hub.
    if (!this.setupToken.matches(token, false)) {
      const imposed = this.throttle.fail(keys);
      if (imposed.retryAfterS > 0) throw tooMany(imposed.retryAfterS, false, "too many wrong setup tokens");
      throw new HubError(
        "forbidden",
        "bad_setup_token",
        "the setup token is not right; it is printed in the hub's log",
      );
    }
    const hash = await this.users.hashNew(password);
    // Check again, create and consume with no await in between, so concurrent setups cannot both pass.
    if (this.adminExists() || !this.setupToken.matches(token, false))
      throw new HubError("conflict", "already_set_up", "this hub already has an admin account");
    this.throttle.succeed(keys);
    const user = this.users.insert(username, hash, this.now());
    this.setupToken.consume();
    this.onSetup(user);
    return user;
  }

  /**
   * Checks a login. Failures are throttled per address and username, per address and per username
   * (429 with Retry-After once they pile up, throttle.ts); a correct password without a needed TOTP
   * code answers `totp_required` and still counts, so only a whole successful login clears the count.
   */
  async login(input: LoginInput, ip: string): Promise<User> {
    const name = input.username.toLowerCase();
    const keys = [`pair:${ip}|${name}`, `ip:${ip}`, `user:${name}`];
    const wait = this.throttle.retryAfter(keys);
    if (wait > 0) throw tooMany(wait);
    // The attempt counts as a failure before the slow check, so a burst of parallel guesses is
    // throttled like a sequence of them; a whole success clears the count again.
    const imposed = this.throttle.fail(keys);
    const user = this.users.byName(input.username);
    const ok = await this.users.verifyPassword(user, input.password);
    if (!ok || !user) return rejected(imposed, "invalid_credentials", "wrong username or password");
    if (user.totpSecret) {
      if (!input.totp) {
        throw new HubError("unauthorized", "totp_required", "enter the code from your authenticator app");
      }
      const code = input.totp.trim();
      const now = this.now();
      const good = this.users.useTotp(user, code, now) || this.users.useBackupCode(user.id, code, now);
      if (!good)
        return rejected(
          imposed,
          "invalid_totp",
          "the code is not right; each code works once, so after using one wait for the next (or use a backup code)",
        );
    }
    this.throttle.succeed(keys);
    return user;
  }

  /** The live session a request carries, if any. */
  session(req: Request, secure: boolean): { id: string; session: Session } | null {
    return this.sessionFromCookies(req.headers.get("cookie"), secure);
  }

  /** The live session a Cookie header carries, if any. */
  sessionFromCookies(cookie: string | null, secure: boolean): { id: string; session: Session } | null {
    const id = parseCookies(cookie).find(([n]) => n === sessionCookieName(secure))?.[1];
    if (!id || id.length > 100) return null;
    const session = this.sessions.touch(id);
    return session ? { id, session } : null;
  }

  /**
   * CSRF for a cookie-authenticated state change: the Origin (or, lacking it, the Referer) must be the
   * hub's own, and the request must carry the session's CSRF token (header or form field).
   */
  checkCsrf(req: Request, session: Session, origin: string, formToken?: string | null): void {
    if (!UNSAFE.has(req.method)) return;
    const from = req.headers.get("origin") ?? refererOrigin(req.headers.get("referer"));
    if (!isOwnOrigin(from, req, origin))
      throw new HubError("forbidden", "bad_origin", "this request did not come from the hub's own pages");
    const presented = req.headers.get("x-csrf-token") ?? formToken ?? "";
    const a = Buffer.from(presented);
    const b = Buffer.from(session.csrf);
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      throw new HubError("forbidden", "bad_csrf_token", "the CSRF token is missing or wrong");
    }
  }
}

function rejected(imposed: { retryAfterS: number; locked: boolean }, code: string, message: string): never {
  if (imposed.retryAfterS > 0) throw tooMany(imposed.retryAfterS, imposed.locked);
  throw new HubError("unauthorized", code, message);
}

function tooMany(seconds: number, locked = false, why = "too many failed logins"): HubError {
  const what = locked ? `${why}: locked` : `${why}: wait`;
  return new HubError("throttled", locked ? "locked_out" : "throttled", `${what}; retry after ${seconds} s`, {
    retryAfterS: seconds,
  });
}

function refererOrigin(referer: string | null): string | null {
  if (!referer) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}
