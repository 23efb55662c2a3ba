import { spawn } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";

/** What the runner lets a job's program see of its own environment: no secret of the runner's. */
const PASSED_ENV = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "LC_ALL",
  "TZ",
  "TMPDIR",
  "TERM",
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_AUTH_TOKEN",
  "ANTHROPIC_BASE_URL",
  "CLAUDE_CONFIG_DIR",
];

/** How long a job's program has between SIGTERM and SIGKILL once its time is up. */
const KILL_GRACE_MS = 5_000;
/** The most of a program's output kept (its answer becomes a note; the vault takes 1 M characters). */
const OUTPUT_CAP = 4 * 1024 * 1024;

export interface ClaudeRun {
  command: string;
  prompt: string;
  model: string;
  allowedTools: string[];
  mcpConfigFile: string;
  /** An empty folder of its own to start in, never the runner's code or data. */
  cwd: string;
  timeoutMs: number;
  env: Record<string, string | undefined>;
}

export interface ClaudeOutcome {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** The environment a job's program gets: the allow-list above, taken from the runner's. */
function jobEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of PASSED_ENV) if (env[k] !== undefined) out[k] = env[k]!;
  return out;
}

/** The argv of `<command> -p …`: the prompt goes on stdin, never on the command line. */
export function claudeArgv(run: ClaudeRun): string[] {
  const argv = [run.command, "-p", "--model", run.model];
  if (run.allowedTools.length) argv.push("--allowedTools", run.allowedTools.join(","));
  argv.push("--mcp-config", run.mcpConfigFile, "--strict-mcp-config", "--output-format", "json");
  return argv;
}

/** The process groups of the programs running now, so a stopping runner takes them along. */
const running = new Set<number>();

/** Kills every job program still running (the runner is stopping; their runs are recorded as cut short). */
export function killAllJobs(): void {
  for (const pid of running) killGroup(pid, "SIGKILL");
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Runs the program in its own process group with the prompt on stdin; when its time is up the
 * whole group gets SIGTERM, then SIGKILL. (A process that leaves the group with setsid is beyond
 * reach: the tools a job may use are held to the vault's for that reason too.)
 */
export function runClaude(run: ClaudeRun): Promise<ClaudeOutcome> {
  const [cmd, ...args] = claudeArgv(run);
  return new Promise((resolve) => {
    const child = spawn(cmd!, args, {
      cwd: run.cwd,
      env: jobEnv(run.env),
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    if (child.pid) running.add(child.pid);
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const take = (into: "out" | "err") => (chunk: Buffer) => {
      if (into === "out" && stdout.length < OUTPUT_CAP) stdout += chunk.toString("utf8");
      if (into === "err") stderr = (stderr + chunk.toString("utf8")).slice(-16_384);
    };
    child.stdout.on("data", take("out"));
    child.stderr.on("data", take("err"));
    child.stdin.on("error", () => {});
    child.stdin.end(run.prompt);
    let kill: ReturnType<typeof setTimeout> | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) killGroup(child.pid, "SIGTERM");
      kill = setTimeout(() => child.pid && killGroup(child.pid, "SIGKILL"), KILL_GRACE_MS);
    }, run.timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, timedOut: false, stdout, stderr: `${stderr}${err.message}` });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (kill) clearTimeout(kill);
      // Whatever the program left behind in its group goes with it.
      if (child.pid) {
        killGroup(child.pid, "SIGKILL");
        running.delete(child.pid);
      }
      resolve({ code, signal, timedOut, stdout, stderr });
    });
  });
}

/**
 * Kills job programs a runner killed outright (kill -9) left behind: they run in folders of their
 * own under `workDir`, so whatever still runs there is one (Linux: read from /proc; elsewhere none).
 */
export function reapOrphans(workDir: string): number {
  let reaped = 0;
  let pids: string[] = [];
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(`${workDir}/run-`)) {
        killGroup(Number(pid), "SIGKILL");
        process.kill(Number(pid), "SIGKILL");
        reaped++;
      }
    } catch {
      // Gone, or not ours to read.
    }
  }
  return reaped;
}
