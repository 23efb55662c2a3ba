import { ScribeError } from "./errors.ts";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The last lines of a program's error output, for a message a person can act on. */
export function lastLines(text: string, n = 3): string {
  return text.trim().split("\n").slice(-n).join(" ").slice(0, 600);
}

/**
 * Runs a program (an argv array, never a shell string) in its own process group. When `signal`
 * aborts — the job's time is up, or the request went away — the whole group is killed, so no
 * engine keeps working for nobody.
 */
export async function run(argv: string[], signal: AbortSignal): Promise<RunResult> {
  if (signal.aborted) throw aborted(signal);
  const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe", detached: true });
  const kill = () => {
    try {
      process.kill(-proc.pid, "SIGKILL");
    } catch {
      // The group has already ended.
    }
  };
  signal.addEventListener("abort", kill, { once: true });
  try {
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    if (signal.aborted) throw aborted(signal);
    return { code, stdout, stderr };
  } finally {
    signal.removeEventListener("abort", kill);
  }
}

/** The error for an aborted job: a timeout names itself, anything else is the caller going away. */
function aborted(signal: AbortSignal): ScribeError {
  const reason = signal.reason as unknown;
  if (reason instanceof ScribeError) return reason;
  return new ScribeError("timeout", "cancelled", "the transcription was stopped before it finished");
}
