import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Job } from "../core/job.ts";
import { renderTemplate } from "../core/template.ts";
import type { Run, RunStore } from "../store/runs.ts";
import { type ClaudeOutcome, runClaude } from "./claude.ts";
import type { VaultClient } from "./vault-client.ts";

export interface ExecuteDeps {
  store: RunStore;
  vault: VaultClient;
  /** The vault's name (for `{{vault}}`), its MCP endpoint, and the token the job's program uses there. */
  vaultName: () => string;
  mcpUrl: () => string;
  token: () => string | null;
  claudeCommand: () => string;
  env: Record<string, string | undefined>;
  /** Where the per-run MCP config is written (owner-only, removed after the run). */
  workDir: string;
  now: () => number;
  /** The date of an instant in the configured time zone, as YYYY-MM-DD. */
  dateOf: (ms: number) => string;
  log: (line: string) => void;
}

/** What the program's JSON answer (`--output-format json`) says, when it is that. */
interface ClaudeResult {
  result?: unknown;
  is_error?: boolean;
  total_cost_usd?: unknown;
  num_turns?: unknown;
  duration_ms?: unknown;
}

function parseResult(stdout: string): { text: string; json: ClaudeResult | null } {
  const trimmed = stdout.trim();
  try {
    const json = JSON.parse(trimmed) as ClaudeResult;
    if (json && typeof json === "object" && "result" in json)
      return { text: typeof json.result === "string" ? json.result : JSON.stringify(json.result), json };
  } catch {}
  return { text: trimmed, json: null };
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** Why a finished program counts as failed, or null when its answer is to be kept. */
function failure(
  outcome: ClaudeOutcome,
  text: string,
  json: ClaudeResult | null,
  timeoutMs: number,
): string | null {
  // What the program said about its own failure (claude reports "not logged in" as its result).
  const said = json?.is_error && text ? `: ${text.slice(0, 300)}` : "";
  if (outcome.timedOut) return `timeout after ${Math.round(timeoutMs / 1000)} s`;
  if (outcome.code === null && !outcome.signal)
    return `could not start: ${outcome.stderr.trim().slice(-200)}`;
  if (outcome.signal) return `killed by ${outcome.signal}`;
  if (outcome.code !== 0) return `exit ${outcome.code}${said}`;
  if (json?.is_error) return `the program reported an error${said}`;
  if (!text) return "empty output";
  return null;
}

/** Writes a note; when its path is taken (a second run the same day, say), beside it with the run's id. */
async function createBeside(
  vault: VaultClient,
  note: { path: string; content: string; tags: string[]; metadata: Record<string, unknown> },
  runId: string,
): Promise<string> {
  try {
    return await vault.create(note);
  } catch (err) {
    if (!(err instanceof Error && /answered 409/.test(err.message))) throw err;
    const dot = note.path.endsWith(".failed") ? ".failed" : "";
    return vault.create({
      ...note,
      path: `${note.path.slice(0, note.path.length - dot.length)}-${runId}${dot}`,
    });
  }
}

/**
 * Runs one claimed run of a job to its end: renders the prompt and output path, gives the program
 * an MCP config for the vault, and writes the answer to a note tagged as the job says — or, for a
 * failure of any kind, `<output_path>.failed` tagged `job-run-failed` with the error and the tail of
 * its stderr. The run record is finished either way.
 */
export async function execute(job: Job, run: Run, deps: ExecuteDeps): Promise<void> {
  const started = deps.now();
  const vars = {
    date: deps.dateOf(run.scheduledFor ?? started),
    job_name: job.name,
    run_id: run.id,
    vault: deps.vaultName(),
  };
  const fallbackPath = `jobs/runs/${job.name}/${vars.date}-${run.id}`;
  let outputPath = fallbackPath;
  const finish = async (error: string, stderr = "", code: number | null = null) => {
    let failedPath: string | undefined = `${outputPath}.failed`;
    const tail = stderr.trim().slice(-2000);
    // The last lines of stderr in the note itself (indented: shown as written), where a person reads.
    const shown = tail ? `\nWhat it wrote on stderr, at the end:\n\n${tail.replace(/^/gm, "    ")}\n` : "";
    try {
      failedPath = await createBeside(
        deps.vault,
        {
          path: failedPath,
          content: `The job ${job.path} failed: ${error}.\n${shown}`,
          tags: ["job-run-failed"],
          metadata: {
            job: job.path,
            run_id: run.id,
            error,
            exit_code: code,
            stderr_tail: tail,
            scheduled_for: run.scheduledFor ? new Date(run.scheduledFor).toISOString() : null,
          },
        },
        run.id,
      );
    } catch (err) {
      deps.log(`${job.path}: the failure note could not be written: ${(err as Error).message}`);
      failedPath = undefined;
    }
    deps.store.finish(run.id, {
      status: "failed",
      reason: error,
      outputPath: failedPath,
      error,
      durationMs: deps.now() - started,
      now: deps.now(),
    });
    deps.log(`${job.path}: run ${run.id} failed: ${error}`);
  };

  let prompt: string;
  try {
    outputPath = renderTemplate(job.outputPath, vars);
    prompt = renderTemplate(job.prompt, vars);
  } catch (err) {
    return finish(`template: ${(err as Error).message}`);
  }
  const token = deps.token();
  if (!token) return finish("the runner has no credential for the vault");

  mkdirSync(deps.workDir, { recursive: true, mode: 0o700 });
  const configFile = join(deps.workDir, `mcp-${randomBytes(8).toString("hex")}.json`);
  const cwd = join(deps.workDir, `run-${run.id}`);
  mkdirSync(cwd, { mode: 0o700 });
  // The same server name `parachute-vault mcp-config` gives, so allowed_tools read the same.
  const server = `parachute-vault-${vars.vault}`;
  writeFileSync(
    configFile,
    JSON.stringify({
      mcpServers: {
        [server]: { type: "http", url: deps.mcpUrl(), headers: { Authorization: `Bearer ${token}` } },
      },
    }),
    { mode: 0o600 },
  );
  let outcome: ClaudeOutcome;
  try {
    outcome = await runClaude({
      command: deps.claudeCommand(),
      prompt,
      model: job.model,
      allowedTools: job.allowedTools,
      mcpConfigFile: configFile,
      cwd,
      timeoutMs: job.timeoutMs,
      env: deps.env,
    });
  } finally {
    rmSync(configFile, { force: true });
    rmSync(cwd, { recursive: true, force: true });
  }
  const { text, json } = parseResult(outcome.stdout);
  const why = failure(outcome, text, json, job.timeoutMs);
  if (why) return finish(why, outcome.stderr, outcome.code);

  const costUsd = num(json?.total_cost_usd);
  const turns = num(json?.num_turns);
  const reportedMs = num(json?.duration_ms);
  try {
    const path = await createBeside(
      deps.vault,
      {
        path: outputPath,
        content: text,
        tags: job.outputTags,
        metadata: {
          job: job.path,
          run_id: run.id,
          model: job.model,
          scheduled_for: run.scheduledFor ? new Date(run.scheduledFor).toISOString() : null,
          ...(costUsd !== undefined ? { cost_usd: costUsd } : {}),
          ...(turns !== undefined ? { turns } : {}),
          ...(reportedMs !== undefined ? { duration_ms: reportedMs } : {}),
        },
      },
      run.id,
    );
    deps.store.finish(run.id, {
      status: "succeeded",
      outputPath: path,
      costUsd,
      turns,
      durationMs: reportedMs ?? deps.now() - started,
      now: deps.now(),
    });
    deps.log(`${job.path}: run ${run.id} wrote ${path}`);
  } catch (err) {
    return finish(`the result could not be written: ${(err as Error).message}`);
  }
}
