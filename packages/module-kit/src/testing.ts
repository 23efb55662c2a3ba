/**
 * Helpers for the tests of every package (`@parachute/module-kit/testing`): waiting on a condition
 * with a deadline instead of sleeping, and catching the error a call is expected to raise.
 */

/** Polls `check` until it returns a truthy value or the deadline passes; never a fixed sleep. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  deadlineMs = 10_000,
): Promise<NonNullable<T>> {
  const until = performance.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (performance.now() > until) {
      throw new Error(
        `timed out after ${deadlineMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ""}`,
      );
    }
    await Bun.sleep(10);
  }
}

type ErrorClass<E> = abstract new (...args: never[]) => E;

/** The error of type `type` that `fn` throws; anything else (or no throw) fails the test. */
export function refusal<E extends Error>(fn: () => unknown, type: ErrorClass<E>): E {
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    if (err instanceof type) return err;
    throw err;
  }
  throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
}

/** The error of type `type` that `p` rejects with; anything else (or resolving) fails the test. */
export async function rejection<E extends Error>(p: Promise<unknown>, type: ErrorClass<E>): Promise<E> {
  let result: unknown;
  try {
    result = await p;
  } catch (err) {
    if (err instanceof type) return err;
    throw err;
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
}
