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

/** True while a process with this pid exists (zombies excepted). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = require("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8") as string;
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return true;
  }
}
