import type { Database } from "bun:sqlite";

/** How failures on one key slow down, and whether they end in a lockout. */
export interface ThrottlePolicy {
  freeFailures: number;
  baseDelayS: number;
  maxDelayS: number;
  /** Failures that lock the key out; Infinity for a key that is only ever slowed down. */
  lockoutAfter: number;
  lockoutS: number;
  forgetAfterS: number;
}

const SLOWED: Omit<ThrottlePolicy, "maxDelayS"> = {
  freeFailures: 3,
  baseDelayS: 1,
  lockoutAfter: Number.POSITIVE_INFINITY,
  lockoutS: 0,
  forgetAfterS: 60 * 60,
};

/**
 * The policies by key kind (the text before the key's first `:`), as docs/product.md asks:
 * - `pair` (client address + username): progressive delay, then a 15-minute lockout — only the
 *   address guessing is locked out, never the admin elsewhere;
 * - `ip`: progressive delay up to a minute;
 * - `user` (across all addresses): a short delay at most, so a remote attacker cannot lock the admin
 *   out, while distributed guessing stays slow;
 * - `setup` (the setup token, across all addresses): like `user`.
 */
export const POLICIES: Record<string, ThrottlePolicy> = {
  pair: { ...SLOWED, maxDelayS: 60, lockoutAfter: 10, lockoutS: 15 * 60 },
  ip: { ...SLOWED, maxDelayS: 60 },
  user: { ...SLOWED, maxDelayS: 5 },
  setup: { ...SLOWED, maxDelayS: 5 },
};

interface Entry {
  failures: number;
  last: number;
  blockedUntil: number;
}

/** Rows kept at most; past it the oldest are dropped, so spraying keys cannot grow hub.db. */
const MAX_ROWS = 10_000;

/**
 * Progressive throttle of failed logins and setup-token guesses, kept in hub.db so a restart
 * forgets nothing. After a few free failures each one doubles the wait before the next attempt on
 * that key, up to its cap; a `pair` key locks out at its threshold.
 */
export class LoginThrottle {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
    private readonly policies: Record<string, ThrottlePolicy> = POLICIES,
  ) {}

  /** Seconds to wait before another attempt is allowed for any of `keys`, or 0. */
  retryAfter(keys: string[]): number {
    const t = this.now();
    let wait = 0;
    for (const k of keys) {
      const e = this.fresh(k, t);
      if (e && e.blockedUntil > t) wait = Math.max(wait, Math.ceil((e.blockedUntil - t) / 1000));
    }
    return wait;
  }

  /** Records a failure on every key; returns the longest wait imposed (seconds) and whether it locks. */
  fail(keys: string[]): { retryAfterS: number; locked: boolean } {
    const t = this.now();
    let result = { retryAfterS: 0, locked: false };
    this.db.transaction(() => {
      for (const k of keys) {
        const p = this.policy(k);
        const e = this.fresh(k, t) ?? { failures: 0, last: t, blockedUntil: 0 };
        e.failures++;
        e.last = t;
        let wait = 0;
        const locked = e.failures >= p.lockoutAfter;
        if (locked) wait = p.lockoutS;
        else if (e.failures > p.freeFailures)
          wait = Math.min(p.baseDelayS * 2 ** (e.failures - p.freeFailures - 1), p.maxDelayS);
        e.blockedUntil = t + wait * 1000;
        this.db
          .query(
            "INSERT OR REPLACE INTO login_throttle (key, failures, last_at, blocked_until) VALUES (?, ?, ?, ?)",
          )
          .run(k, e.failures, e.last, e.blockedUntil);
        if (wait > result.retryAfterS) result = { retryAfterS: wait, locked };
      }
      this.prune();
    })();
    return result;
  }

  succeed(keys: string[]): void {
    for (const k of keys) this.db.query("DELETE FROM login_throttle WHERE key = ?").run(k);
  }

  /** Forgets every count and lockout (the operator's way back in); returns how many there were. */
  clear(): number {
    return this.db.query("DELETE FROM login_throttle").run().changes;
  }

  private policy(key: string): ThrottlePolicy {
    const p = this.policies[key.slice(0, key.indexOf(":"))];
    if (!p) throw new Error(`no throttle policy for ${key}`);
    return p;
  }

  private fresh(key: string, t: number): Entry | undefined {
    const row = this.db
      .query("SELECT failures, last_at, blocked_until FROM login_throttle WHERE key = ?")
      .get(key) as { failures: number; last_at: number; blocked_until: number } | null;
    if (!row) return undefined;
    const e = { failures: row.failures, last: row.last_at, blockedUntil: row.blocked_until };
    if (t - e.last > this.policy(key).forgetAfterS * 1000 && e.blockedUntil <= t) return undefined;
    return e;
  }

  /** Drops the oldest rows beyond the cap (those are also the stalest). */
  private prune(): void {
    const { n } = this.db.query("SELECT count(*) AS n FROM login_throttle").get() as { n: number };
    if (n <= MAX_ROWS) return;
    this.db
      .query(
        "DELETE FROM login_throttle WHERE key IN (SELECT key FROM login_throttle WHERE blocked_until <= ? ORDER BY last_at LIMIT ?)",
      )
      .run(this.now(), n - MAX_ROWS);
  }
}
