/**
 * Helpers for the tests of every package (`@parachute/module-kit/testing`): waiting on a condition
 * with a deadline instead of sleeping, catching the error a call is expected to raise, and running a
 * program to its end.
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

/** What a program run to its end by `runProgram` printed, and how it exited. */
export interface ProgramResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program to its end with a minimal environment (`PATH`, `HOME`) plus `env`, stdin closed;
 * returns its exit code and output.
 */
export async function runProgram(
  argv: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<ProgramResult> {
  const proc = Bun.spawn(argv, {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}
