import type { Database } from "bun:sqlite";
import { createHash, randomBytes } from "node:crypto";
import { HubError } from "../errors.ts";
import { totpStep } from "./totp.ts";

const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 1024;
const USERNAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;

export interface User {
  id: number;
  username: string;
  passwordHash: string;
  totpSecret: string | null;
  totpPending: string | null;
}

/** argon2id at OWASP's recommended cost (19 MiB, 2 passes): strong, and light on a small machine's memory. */
const ARGON2 = { algorithm: "argon2id", memoryCost: 19_456, timeCost: 2 } as const;

// Verified against when a username is unknown, so a miss costs as long as a hit; made on first use.
let decoyHash: string | null = null;
const decoy = () => (decoyHash ??= Bun.password.hashSync("decoy-password-never-valid", ARGON2));

export function checkUsername(username: string): void {
  if (!USERNAME.test(username)) {
    throw new HubError(
      "invalid",
      "invalid_field",
      '"username" must be 1–64 letters, digits, ".", "_" or "-"',
    );
  }
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new HubError(
      "invalid",
      "weak_password",
      `"password" must be at least ${MIN_PASSWORD_LENGTH} characters`,
    );
  }
  if (password.length > MAX_PASSWORD_LENGTH)
    throw new HubError("invalid", "invalid_field", '"password" is too long');
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** The admin account(s): argon2id passwords, TOTP secrets and one-time backup codes. */
export class Users {
  constructor(private readonly db: Database) {}

  count(): number {
    return (this.db.query("SELECT count(*) AS n FROM users").get() as { n: number }).n;
  }

  async create(username: string, password: string, now: number): Promise<User> {
    checkUsername(username);
    return this.insert(username, await this.hashNew(password), now);
  }

  /** Hashes a new password (argon2id) after checking the rules. */
  async hashNew(password: string): Promise<string> {
    checkPassword(password);
    return Bun.password.hash(password, ARGON2);
  }

  /** Inserts a user with an already-hashed password; synchronous, so callers can make it atomic. */
  insert(username: string, passwordHash: string, now: number): User {
    checkUsername(username);
    this.db
      .query("INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?)")
      .run(username, passwordHash, now);
    return this.byName(username)!;
  }

  byName(username: string): User | null {
    return this.row(this.db.query("SELECT * FROM users WHERE username = ?").get(username));
  }

  byId(id: number): User | null {
    return this.row(this.db.query("SELECT * FROM users WHERE id = ?").get(id));
  }

  /** The first (and today only) admin. */
  admin(): User | null {
    return this.row(this.db.query("SELECT * FROM users ORDER BY id LIMIT 1").get());
  }

  /** Checks a password in constant time, whether or not the user exists. */
  async verifyPassword(user: User | null, password: string): Promise<boolean> {
    if (password.length > MAX_PASSWORD_LENGTH) return false;
    const ok = await Bun.password.verify(password, user?.passwordHash ?? decoy());
    return ok && user !== null;
  }

  async setPassword(userId: number, password: string): Promise<void> {
    checkPassword(password);
    const hash = await Bun.password.hash(password, ARGON2);
    this.db.query("UPDATE users SET password_hash = ? WHERE id = ?").run(hash, userId);
  }

  setPendingTotp(userId: number, secret: string | null): void {
    this.db.query("UPDATE users SET totp_pending = ? WHERE id = ?").run(secret, userId);
  }

  /** Turns 2FA on with `secret` and returns fresh backup codes (shown once, stored hashed). */
  enableTotp(userId: number, secret: string): string[] {
    const codes = Array.from({ length: 10 }, () => {
      const raw = randomBytes(5).toString("hex");
      return `${raw.slice(0, 5)}-${raw.slice(5)}`;
    });
    this.db.transaction(() => {
      this.db.query("UPDATE users SET totp_secret = ?, totp_pending = NULL WHERE id = ?").run(secret, userId);
      this.db.query("DELETE FROM backup_codes WHERE user_id = ?").run(userId);
      for (const c of codes) {
        this.db.query("INSERT INTO backup_codes (user_id, code_hash) VALUES (?, ?)").run(userId, sha256(c));
      }
    })();
    return codes;
  }

  disableTotp(userId: number): void {
    this.db.transaction(() => {
      this.db.query("UPDATE users SET totp_secret = NULL, totp_pending = NULL WHERE id = ?").run(userId);
      this.db.query("DELETE FROM backup_codes WHERE user_id = ?").run(userId);
    })();
  }

  /** Accepts a TOTP code once: a code of a time step already used (or older) is refused (RFC 6238 §5.2). */
  useTotp(user: User, code: string, now: number): boolean {
    if (!user.totpSecret) return false;
    const step = totpStep(user.totpSecret, code, now);
    if (step === null) return false;
    const res = this.db
      .query("UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?")
      .run(step, user.id, step);
    return res.changes === 1;
  }

  /** Spends a backup code; true only the first time. */
  useBackupCode(userId: number, code: string, now: number): boolean {
    const res = this.db
      .query("UPDATE backup_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL")
      .run(now, userId, sha256(code.trim().toLowerCase()));
    return res.changes === 1;
  }

  private row(r: unknown): User | null {
    if (!r) return null;
    const x = r as Record<string, unknown>;
    return {
      id: x.id as number,
      username: x.username as string,
      passwordHash: x.password_hash as string,
      totpSecret: (x.totp_secret as string | null) ?? null,
      totpPending: (x.totp_pending as string | null) ?? null,
    };
  }
}
