/** The supervisor's timing rules (docs/product.md), each overridable per module. */
export interface Policy {
  startTimeoutMs: number;
  stopGraceMs: number;
  /** Delay before the second consecutive restart; the first is immediate. */
  backoffBaseMs: number;
  backoffCapMs: number;
  crashBudget: number;
  crashWindowMs: number;
  /** How long a module must stay ready before its backoff is forgotten. */
  healthyResetMs: number;
  /** How often a failing module is tried again on its own. */
  retryFailedMs: number;
  /** How often a running module's health and memory are checked. */
  watchMs: number;
}

export const DEFAULT_POLICY: Policy = {
  startTimeoutMs: 15_000,
  stopGraceMs: 10_000,
  backoffBaseMs: 250,
  backoffCapMs: 30_000,
  crashBudget: 5,
  crashWindowMs: 120_000,
  healthyResetMs: 60_000,
  retryFailedMs: 5 * 60_000,
  watchMs: 5_000,
};

/**
 * Delay before restarting after the `n`th consecutive crash (n ≥ 1): 0 for the first, then the base
 * doubled each time with ±20 % jitter (so siblings do not restart in lockstep), capped.
 */
export function backoffDelay(policy: Policy, n: number, random: () => number): number {
  if (n <= 1) return 0;
  const raw = policy.backoffBaseMs * 2 ** (n - 2);
  const jittered = raw * (0.8 + 0.4 * random());
  return Math.round(Math.min(jittered, policy.backoffCapMs));
}

/** Crash times still inside the budget window, oldest first. */
export function crashesInWindow(policy: Policy, times: number[], now: number): number[] {
  return times.filter((t) => now - t < policy.crashWindowMs);
}
