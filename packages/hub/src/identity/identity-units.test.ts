import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HubError } from "../errors.ts";
import { globToRegExp } from "../proxy/route-table.ts";
import { HubDbError, openHubDb } from "../store/db.ts";
import { MIGRATIONS } from "../store/migrations.ts";
import { readCookie, stripSessionCookie } from "./identity.ts";
import { DEFAULT_SESSION_POLICY, Sessions } from "./sessions.ts";
import { LoginThrottle, POLICIES } from "./throttle.ts";
import { currentTotp, newTotpSecret, verifyTotp } from "./totp.ts";
import { Users } from "./users.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A temp dir per test, removed afterwards. */
let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "identity-units-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("LoginThrottle", () => {
  let now = 0;
  let db: Database;
  const clock = () => now;
  const pair = "pair:10.0.0.1|admin";
  beforeEach(() => {
    now = Date.UTC(2030, 0, 1);
    db = openHubDb(join(dir, "hub.db"));
  });
  afterEach(() => db.close());

  /** Fails once per allowed moment (waiting out each delay), returning every imposed wait. */
  function failRepeatedly(
    t: LoginThrottle,
    n: number,
    keys: string[],
  ): { retryAfterS: number; locked: boolean }[] {
    const out = [];
    for (let i = 0; i < n; i++) {
      now += t.retryAfter(keys) * SECOND;
      expect(t.retryAfter(keys)).toBe(0);
      out.push(t.fail(keys));
    }
    return out;
  }

  test("the first failures are free", () => {
    const t = new LoginThrottle(db, clock);
    for (const r of failRepeatedly(t, POLICIES.pair!.freeFailures, [pair])) {
      expect(r).toEqual({ retryAfterS: 0, locked: false });
    }
    expect(t.retryAfter([pair])).toBe(0);
  });

  test("for an address and username, each failure doubles the wait, then ten lock out for 15 minutes", () => {
    const t = new LoginThrottle(db, clock);
    const results = failRepeatedly(t, 10, [pair]);
    expect(results.map((r) => r.retryAfterS)).toEqual([0, 0, 0, 1, 2, 4, 8, 16, 32, 15 * 60]);
    expect(results.slice(0, 9).every((r) => !r.locked)).toBe(true);
    expect(results[9]!.locked).toBe(true);
    now += 15 * MINUTE - 1;
    expect(t.retryAfter([pair])).toBe(1);
    now += 1;
    expect(t.retryAfter([pair])).toBe(0);
  });

  test("retryAfter counts down with the clock", () => {
    const t = new LoginThrottle(db, clock);
    failRepeatedly(t, 6, [pair]); // the sixth imposes 4 s
    expect(t.retryAfter([pair])).toBe(4);
    now += 1500;
    expect(t.retryAfter([pair])).toBe(3); // 2.5 s left, rounded up
    now += 2500;
    expect(t.retryAfter([pair])).toBe(0);
  });

  test("a username across all addresses is only ever slowed a little, never locked", () => {
    const t = new LoginThrottle(db, clock);
    const results = failRepeatedly(t, 30, ["user:admin"]);
    expect(results.every((r) => !r.locked && r.retryAfterS <= POLICIES.user!.maxDelayS)).toBe(true);
    expect(results.at(-1)!.retryAfterS).toBe(5);
  });

  test("an address is slowed up to a minute, never locked", () => {
    const t = new LoginThrottle(db, clock);
    const results = failRepeatedly(t, 30, ["ip:10.0.0.1"]);
    expect(results.every((r) => !r.locked)).toBe(true);
    expect(results.at(-1)!.retryAfterS).toBe(60);
  });

  test("a locked-out attacker does not lock the admin out from another address", () => {
    const t = new LoginThrottle(db, clock);
    const attacker = ["pair:10.6.6.6|admin", "ip:10.6.6.6", "user:admin"];
    failRepeatedly(t, 10, attacker);
    expect(t.retryAfter(attacker)).toBe(15 * 60);
    const admin = ["pair:10.0.0.1|admin", "ip:10.0.0.1", "user:admin"];
    expect(t.retryAfter(admin)).toBeLessThanOrEqual(POLICIES.user!.maxDelayS);
  });

  test("failures are forgotten after an hour without one, not before", () => {
    const t = new LoginThrottle(db, clock);
    failRepeatedly(t, 3, [pair]);
    now += 59 * MINUTE;
    expect(t.fail([pair]).retryAfterS).toBe(1);
    now += t.retryAfter([pair]) * SECOND + HOUR + 1;
    for (const r of failRepeatedly(t, 3, [pair])) expect(r.retryAfterS).toBe(0);
    expect(failRepeatedly(t, 1, [pair])[0]!.retryAfterS).toBe(1);
  });

  test("a success clears the keys it is given", () => {
    const t = new LoginThrottle(db, clock);
    failRepeatedly(t, 6, [pair]);
    expect(t.retryAfter([pair])).toBeGreaterThan(0);
    t.succeed([pair]);
    expect(t.retryAfter([pair])).toBe(0);
    for (const r of failRepeatedly(t, 3, [pair])) expect(r.retryAfterS).toBe(0);
  });

  test("the count survives a restart (hub.db reopened)", () => {
    failRepeatedly(new LoginThrottle(db, clock), 10, [pair]);
    db.close();
    db = openHubDb(join(dir, "hub.db"));
    expect(new LoginThrottle(db, clock).retryAfter([pair])).toBe(15 * 60);
  });
});

describe("Sessions", () => {
  let db: Database;
  let now = 0;
  let sessions: Sessions;
  let userId = 0;
  beforeEach(() => {
    db = openHubDb(join(dir, "hub.db"));
    now = Date.UTC(2030, 0, 1);
    sessions = new Sessions(db, () => now);
    db.query("INSERT INTO users (username, password_hash, created_at) VALUES ('admin', 'x', 0)").run();
    userId = (db.query("SELECT id FROM users").get() as { id: number }).id;
  });
  afterEach(() => db.close());

  test("a new session is found by its id, with its CSRF token and idle expiry", () => {
    const s = sessions.create(userId);
    expect(s.expiresAt).toBe(now + DEFAULT_SESSION_POLICY.idleMs);
    expect(sessions.touch(s.id)).toEqual({
      userId,
      csrf: s.csrf,
      expiresAt: now + DEFAULT_SESSION_POLICY.idleMs,
    });
    expect(sessions.touch("no-such-session")).toBeNull();
  });

  test("ids and CSRF tokens are long, random and distinct", () => {
    const a = sessions.create(userId);
    const b = sessions.create(userId);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url
    expect(a.id).not.toBe(b.id);
    expect(a.csrf).not.toBe(b.csrf);
    expect(a.csrf.length).toBeGreaterThanOrEqual(32);
  });

  test("an idle session expires after idleMs", () => {
    const s = sessions.create(userId);
    now += DEFAULT_SESSION_POLICY.idleMs;
    expect(sessions.touch(s.id)).toBeNull();
    expect((db.query("SELECT count(*) AS n FROM sessions").get() as { n: number }).n).toBe(0);
  });

  test("use rolls the idle expiry forward", () => {
    const start = now;
    const s = sessions.create(userId);
    now = start + 6 * DAY;
    expect(sessions.touch(s.id)?.expiresAt).toBe(now + DEFAULT_SESSION_POLICY.idleMs);
    now = start + 12 * DAY; // past the first idle expiry, within the rolled one
    expect(sessions.touch(s.id)?.userId).toBe(userId);
  });

  test("rolling stops at the absolute cap from creation", () => {
    const start = now;
    const s = sessions.create(userId);
    for (let d = 6; d < 30; d += 6) {
      now = start + d * DAY;
      const found = sessions.touch(s.id);
      expect(found?.expiresAt).toBe(Math.min(now + DEFAULT_SESSION_POLICY.idleMs, start + 30 * DAY));
    }
    now = start + DEFAULT_SESSION_POLICY.absoluteMs - 1;
    expect(sessions.touch(s.id)?.expiresAt).toBe(start + DEFAULT_SESSION_POLICY.absoluteMs);
    now = start + DEFAULT_SESSION_POLICY.absoluteMs;
    expect(sessions.touch(s.id)).toBeNull();
  });

  test("destroy ends one session; destroyAllFor ends a user's every session", () => {
    const a = sessions.create(userId);
    const b = sessions.create(userId);
    const c = sessions.create(userId);
    sessions.destroy(a.id);
    expect(sessions.touch(a.id)).toBeNull();
    expect(sessions.touch(b.id)?.userId).toBe(userId);
    sessions.destroyAllFor(userId);
    expect(sessions.touch(b.id)).toBeNull();
    expect(sessions.touch(c.id)).toBeNull();
  });

  test("session ids are not stored in plain text", () => {
    const s = sessions.create(userId);
    sessions.touch(s.id);
    const rows = db.query("SELECT * FROM sessions").all();
    expect(rows).toHaveLength(1);
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(s.id);
    expect(dump).not.toContain(Buffer.from(s.id, "base64url").toString("hex"));
    // Nor anywhere in the database files.
    db.close();
    for (const f of ["hub.db", "hub.db-wal"]) {
      const path = join(dir, f);
      if (existsSync(path)) expect(readFileSync(path).includes(s.id)).toBe(false);
    }
    db = openHubDb(join(dir, "hub.db"));
  });
});

describe("Users", () => {
  let db: Database;
  let users: Users;
  const PASSWORD = "correct horse battery";
  beforeEach(() => {
    db = openHubDb(join(dir, "hub.db"));
    users = new Users(db);
  });
  afterEach(() => db.close());

  test("passwords are stored as argon2id hashes and verified", async () => {
    const u = await users.create("admin", PASSWORD, 1);
    expect(u.passwordHash.startsWith("$argon2id$")).toBe(true);
    expect(u.passwordHash).not.toContain(PASSWORD);
    expect(await users.verifyPassword(u, PASSWORD)).toBe(true);
    expect(await users.verifyPassword(u, "correct horse battery!")).toBe(false);
    expect(await users.verifyPassword(u, "")).toBe(false);
    expect(await users.verifyPassword(u, "x".repeat(5000))).toBe(false);
  });

  test("an unknown user never verifies, whatever the password", async () => {
    expect(await users.verifyPassword(null, PASSWORD)).toBe(false);
    expect(await users.verifyPassword(null, "decoy-password-never-valid")).toBe(false);
    expect(users.byName("nobody")).toBeNull();
  });

  test("usernames are found case-insensitively and passwords must be long enough", async () => {
    const u = await users.create("Admin", PASSWORD, 1);
    expect(users.byName("admin")?.id).toBe(u.id);
    const short = await users.create("other", "short", 1).catch((e: unknown) => e);
    expect(short).toBeInstanceOf(HubError);
    expect((short as HubError).code).toBe("weak_password");
    const badName = await users.create("bad name", PASSWORD, 1).catch((e: unknown) => e);
    expect((badName as HubError).code).toBe("invalid_field");
    expect(users.count()).toBe(1);
  });

  test("enableTotp sets the secret, clears the pending one and returns ten single-use backup codes", async () => {
    const u = await users.create("admin", PASSWORD, 1);
    users.setPendingTotp(u.id, "PENDINGSECRET");
    expect(users.byId(u.id)?.totpPending).toBe("PENDINGSECRET");
    const secret = newTotpSecret();
    const codes = users.enableTotp(u.id, secret);
    expect(users.byId(u.id)).toMatchObject({ totpSecret: secret, totpPending: null });
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[0-9a-f]{5}-[0-9a-f]{5}$/);

    expect(users.useBackupCode(u.id, codes[0]!, 100)).toBe(true);
    expect(users.useBackupCode(u.id, codes[0]!, 101)).toBe(false);
    // Spelled with spaces and capitals, still one use.
    expect(users.useBackupCode(u.id, ` ${codes[1]!.toUpperCase()} `, 102)).toBe(true);
    expect(users.useBackupCode(u.id, codes[1]!, 103)).toBe(false);
    expect(users.useBackupCode(u.id, "00000-00000", 104)).toBe(false);
    expect(users.useBackupCode(u.id, "", 104)).toBe(false);
  });

  test("backup codes belong to one user", async () => {
    const a = await users.create("alice", PASSWORD, 1);
    const b = await users.create("bob", PASSWORD, 1);
    const codes = users.enableTotp(a.id, newTotpSecret());
    expect(users.useBackupCode(b.id, codes[0]!, 100)).toBe(false);
    expect(users.useBackupCode(a.id, codes[0]!, 100)).toBe(true);
  });

  test("enabling again replaces the codes; disableTotp removes the secret and the codes", async () => {
    const u = await users.create("admin", PASSWORD, 1);
    const first = users.enableTotp(u.id, newTotpSecret());
    const second = users.enableTotp(u.id, newTotpSecret());
    expect(users.useBackupCode(u.id, first[0]!, 100)).toBe(false);
    users.disableTotp(u.id);
    expect(users.byId(u.id)).toMatchObject({ totpSecret: null, totpPending: null });
    expect(users.useBackupCode(u.id, second[0]!, 100)).toBe(false);
    expect((db.query("SELECT count(*) AS n FROM backup_codes").get() as { n: number }).n).toBe(0);
  });

  test("a TOTP code is accepted once: a replay, or an older step, is refused", async () => {
    const u = await users.create("admin", PASSWORD, 1);
    const secret = newTotpSecret();
    users.enableTotp(u.id, secret);
    const t = 1_700_000_000_000;
    const code = currentTotp(secret, t);
    expect(users.useTotp(users.byId(u.id)!, code, t)).toBe(true);
    expect(users.useTotp(users.byId(u.id)!, code, t + 1000)).toBe(false);
    expect(users.useTotp(users.byId(u.id)!, currentTotp(secret, t - 30_000), t)).toBe(false);
    expect(users.useTotp(users.byId(u.id)!, currentTotp(secret, t + 30_000), t + 30_000)).toBe(true);
  });
});

describe("totp", () => {
  // RFC 6238 appendix B, SHA-1: the ASCII secret "12345678901234567890".
  const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
  const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
  const now = Date.UTC(2030, 0, 1) + 15 * SECOND; // mid-period, so ±30 s is exactly ±1 step

  test("matches the RFC 6238 test vectors (6 digits)", () => {
    expect(verifyTotp(RFC_SECRET, "287082", 59 * SECOND)).toBe(true);
    expect(verifyTotp(RFC_SECRET, "081804", 1111111109 * SECOND)).toBe(true);
    expect(currentTotp(RFC_SECRET, 1234567890 * SECOND)).toBe("005924");
  });

  test("accepts the current code and those of ±30 s", () => {
    for (const offset of [-30, 0, 30]) {
      const code = currentTotp(secret, now + offset * SECOND);
      expect([offset, verifyTotp(secret, code, now)]).toEqual([offset, true]);
    }
  });

  test("rejects the codes of ±60 s and ±90 s", () => {
    const near = new Set([-30, 0, 30].map((o) => currentTotp(secret, now + o * SECOND)));
    for (const offset of [-90, -60, 60, 90]) {
      const code = currentTotp(secret, now + offset * SECOND);
      expect(near.has(code)).toBe(false); // the test would prove nothing otherwise
      expect([offset, verifyTotp(secret, code, now)]).toEqual([offset, false]);
    }
  });

  test("rejects anything but six ASCII digits", () => {
    const code = currentTotp(secret, now);
    for (const bad of [
      "",
      code.slice(0, 5),
      `${code}0`,
      `0${code}`,
      ` ${code}`,
      `${code} `,
      `${code}\n`,
      `${code.slice(0, 3)} ${code.slice(3)}`,
      "abcdef",
      "12345a",
      // Full-width digits.
      code.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))),
    ]) {
      expect([bad, verifyTotp(secret, bad, now)]).toEqual([bad, false]);
    }
  });

  test("a code for another secret is refused", () => {
    const code = currentTotp(secret, now);
    const rfcWindow = [-30, 0, 30].map((o) => currentTotp(RFC_SECRET, now + o * SECOND));
    expect(rfcWindow).not.toContain(code); // the test would prove nothing otherwise
    expect(verifyTotp(RFC_SECRET, code, now)).toBe(false);
  });
});

describe("session cookie helpers", () => {
  const req = (cookie?: string) => new Request("http://hub.test/", cookie ? { headers: { cookie } } : {});

  test("readCookie finds a cookie by exact name", () => {
    const r = req("theme=dark; parachute_session=abc123; other=1");
    expect(readCookie(r, "parachute_session")).toBe("abc123");
    expect(readCookie(r, "theme")).toBe("dark");
    expect(readCookie(r, "__Host-parachute_session")).toBeNull();
    expect(readCookie(req("__Host-parachute_session=s1"), "__Host-parachute_session")).toBe("s1");
    expect(readCookie(req("__Host-parachute_session=s1"), "parachute_session")).toBeNull();
    expect(readCookie(req("xparachute_session=1; parachute_session_x=2"), "parachute_session")).toBeNull();
    expect(readCookie(req("a=b=c"), "a")).toBe("b=c");
    expect(readCookie(req(), "parachute_session")).toBeNull();
    expect(readCookie(req("=nameless; parachute_session"), "parachute_session")).toBeNull();
  });

  test("stripSessionCookie removes both session cookie names and keeps the rest", () => {
    expect(stripSessionCookie(null)).toBeNull();
    expect(stripSessionCookie("")).toBeNull();
    expect(stripSessionCookie("parachute_session=abc")).toBeNull();
    expect(stripSessionCookie("__Host-parachute_session=abc")).toBeNull();
    expect(stripSessionCookie("a=1; parachute_session=abc; b=2")).toBe("a=1; b=2");
    expect(stripSessionCookie("__Host-parachute_session=abc;theme=dark")).toBe("theme=dark");
    expect(stripSessionCookie("parachute_session=a; __Host-parachute_session=b")).toBeNull();
    expect(stripSessionCookie("a=1;;  b=2 ")).toBe("a=1; b=2");
    // Look-alike names are someone else's cookies.
    expect(stripSessionCookie("parachute_session_pref=1; xparachute_session=2")).toBe(
      "parachute_session_pref=1; xparachute_session=2",
    );
  });

  test("whatever readCookie would take as the session, stripSessionCookie removes", () => {
    for (const header of ["parachute_session=abc", " parachute_session=abc ", "a=1;parachute_session=abc"]) {
      expect(readCookie(req(header), "parachute_session")).toBe("abc");
      const left = stripSessionCookie(header);
      expect(left === null || readCookie(req(left), "parachute_session") === null).toBe(true);
    }
  });
});

describe("globToRegExp", () => {
  const matches = (glob: string, path: string) => globToRegExp(glob).test(path);

  test("/notes/** matches anything below /notes/", () => {
    for (const p of ["/notes/", "/notes/a", "/notes/a/b/c.txt"])
      expect([p, matches("/notes/**", p)]).toEqual([p, true]);
    // The mount itself is listed separately (publicPaths: ["/notes/**", "/notes"]).
    for (const p of ["/notes", "/notesx/a", "/other/notes/a", "notes/a"]) {
      expect([p, matches("/notes/**", p)]).toEqual([p, false]);
    }
  });

  test("* is exactly one path segment", () => {
    expect(matches("/vault/*/x", "/vault/abc/x")).toBe(true);
    expect(matches("/vault/*/x", "/vault/a.b-c/x")).toBe(true);
    for (const p of ["/vault/a/b/x", "/vault/x", "/vault/abc/x/y", "/vault/abc/xy", "/xvault/abc/x"]) {
      expect([p, matches("/vault/*/x", p)]).toEqual([p, false]);
    }
    expect(matches("/a/*", "/a/b")).toBe(true);
    expect(matches("/a/*", "/a/b/c")).toBe(false);
  });

  test("** in the middle spans segments", () => {
    expect(matches("/a/**/z", "/a/b/c/z")).toBe(true);
    expect(matches("/a/**/z", "/a/b/z")).toBe(true);
    expect(matches("/a/**/z", "/b/a/b/z")).toBe(false);
  });

  test("regular-expression metacharacters are literal", () => {
    expect(matches("/a.b", "/a.b")).toBe(true);
    expect(matches("/a.b", "/aXb")).toBe(false);
    expect(matches("/c++/x", "/c++/x")).toBe(true);
    expect(matches("/c++/x", "/cc/x")).toBe(false);
    expect(matches("/a?b", "/a?b")).toBe(true);
    expect(matches("/a?b", "/ab")).toBe(false);
    expect(matches("/(x|y)", "/(x|y)")).toBe(true);
    expect(matches("/(x|y)", "/x")).toBe(false);
    expect(matches("/[ab]", "/[ab]")).toBe(true);
    expect(matches("/[ab]", "/a")).toBe(false);
    expect(matches("/x{2}", "/x{2}")).toBe(true);
    expect(matches("/x{2}", "/xx")).toBe(false);
    expect(matches("/$^\\", "/$^\\")).toBe(true);
    expect(matches("/a$", "/a")).toBe(false);
    expect(matches("/v1.0/*.json", "/v1.0/data.json")).toBe(true);
    expect(matches("/v1.0/*.json", "/v1x0/dataxjson")).toBe(false);
  });

  test("globs are anchored at both ends", () => {
    expect(matches("/public", "/public")).toBe(true);
    expect(matches("/public", "/public/x")).toBe(false);
    expect(matches("/public", "/x/public")).toBe(false);
  });
});

describe("openHubDb", () => {
  const path = () => join(dir, "hub.db");

  test("uses WAL, foreign keys and the latest schema", () => {
    const db = openHubDb(path());
    try {
      expect(db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
      expect(db.query("PRAGMA foreign_keys").get()).toEqual({ foreign_keys: 1 });
      expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: MIGRATIONS.length });
    } finally {
      db.close();
    }
  });

  test("the database and its WAL files are owner-only (0600)", () => {
    const db = openHubDb(path());
    try {
      db.query("INSERT INTO settings (key, value) VALUES ('k', 'v')").run();
      for (const f of [path(), `${path()}-wal`, `${path()}-shm`]) {
        if (existsSync(f)) expect([f, (statSync(f).mode & 0o777).toString(8)]).toEqual([f, "600"]);
      }
    } finally {
      db.close();
    }
  });

  test("reopening keeps the data and does not migrate again", () => {
    const db = openHubDb(path());
    db.query("INSERT INTO settings (key, value) VALUES ('k', 'v')").run();
    db.close();
    const again = openHubDb(path());
    try {
      expect(again.query("SELECT value FROM settings WHERE key = 'k'").get()).toEqual({ value: "v" });
      expect(again.query("PRAGMA user_version").get()).toEqual({ user_version: MIGRATIONS.length });
      expect(existsSync(`${path()}.pre-migration.bak`)).toBe(false);
    } finally {
      again.close();
    }
  });

  test("a file that is not a database is refused with HubDbError naming it, and left as it was", () => {
    const garbage = Buffer.from("this is not a SQLite database\n".repeat(200));
    writeFileSync(path(), garbage);
    let err: unknown;
    try {
      openHubDb(path()).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HubDbError);
    expect((err as Error).message).toContain(path());
    expect(readFileSync(path()).equals(garbage)).toBe(true);
    expect(existsSync(`${path()}-wal`)).toBe(false);
  });

  test("a database from a newer hub is refused", () => {
    const db = new Database(path(), { create: true });
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openHubDb(path())).toThrow(HubDbError);
    expect(() => openHubDb(path())).toThrow(/newer hub/);
  });
});
