/** How failed logins slow down and then lock out, per IP and per username. */
export interface ThrottlePolicy {
  freeFailures: number;
  baseDelayS: number;
  maxDelayS: number;
  lockoutAfter: number;
  lockoutS: number;
  forgetAfterS: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = {
  freeFailures: 3,
  baseDelayS: 1,
  maxDelayS: 60,
  lockoutAfter: 10,
  lockoutS: 15 * 60,
  forgetAfterS: 60 * 60,
};

interface Entry {
  failures: number;
  last: number;
  blockedUntil: number;
}

/**
 * Progressive login throttle: after a few free failures each one doubles the wait before the next
 * attempt, and at the lockout threshold the key is locked for a while. Keys are `ip:…` and `user:…`.
 */
export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number,
    private readonly policy: ThrottlePolicy = DEFAULT_THROTTLE,
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

  /** Records a failure; returns the wait it imposes (seconds) and whether that is a lockout. */
  fail(keys: string[]): { retryAfterS: number; locked: boolean } {
    const t = this.now();
    if (this.entries.size > 10_000) this.sweep(t);
    let result = { retryAfterS: 0, locked: false };
    for (const k of keys) {
      const e = this.fresh(k, t) ?? { failures: 0, last: t, blockedUntil: 0 };
      e.failures++;
      e.last = t;
      const p = this.policy;
      let wait = 0;
      let locked = false;
      if (e.failures >= p.lockoutAfter) {
        wait = p.lockoutS;
        locked = true;
      } else if (e.failures > p.freeFailures) {
        wait = Math.min(p.baseDelayS * 2 ** (e.failures - p.freeFailures - 1), p.maxDelayS);
      }
      e.blockedUntil = t + wait * 1000;
      this.entries.set(k, e);
      if (wait > result.retryAfterS) result = { retryAfterS: wait, locked };
    }
    return result;
  }

  succeed(keys: string[]): void {
    for (const k of keys) this.entries.delete(k);
  }

  /** Forgets stale entries, so spraying names or addresses cannot grow memory without bound. */
  private sweep(t: number): void {
    for (const key of [...this.entries.keys()]) this.fresh(key, t);
  }

  private fresh(key: string, t: number): Entry | undefined {
    const e = this.entries.get(key);
    if (e && t - e.last > this.policy.forgetAfterS * 1000 && e.blockedUntil <= t) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }
}
