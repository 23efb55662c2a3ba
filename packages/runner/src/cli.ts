import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigStore, runningHub, validateManifest } from "@parachute/module-kit";
import { parseJob } from "./core/job.ts";
import { renderTemplate } from "./core/template.ts";
import { claudeArgv } from "./exec/claude.ts";
import { runnerParts } from "./runtime.ts";
import { dateIn, settingsFrom } from "./settings.ts";
import type { RunStore } from "./store/runs.ts";
import type { SecretStore } from "./store/secrets.ts";

export interface OnceDeps {
  home: string;
  dataDir: string;
  secrets: SecretStore;
  store: RunStore;
  env: Record<string, string | undefined>;
  print: (line: string) => void;
}

/**
 * `parachute-runner once [--only <path>] [--date YYYY-MM-DD] [--dry-run]`: every valid, enabled job
 * (or the one at `path`) run once now, one after another, recorded like a run-now; `--date` sets
 * `{{date}}`; `--dry-run` prints what would run and runs nothing. Exit 0 when every run succeeded.
 */
export async function runOnce(argv: string[], deps: OnceDeps): Promise<number> {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = value("--only");
  const date = value("--date");
  const dryRun = argv.includes("--dry-run");
  const known = new Set(["--only", "--date", "--dry-run", only, date]);
  const realDate = (d: string) => {
    const ms = Date.parse(`${d}T00:00:00Z`);
    return /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(d);
  };
  if (argv.some((a) => !known.has(a)) || (date !== undefined && !realDate(date))) {
    deps.print("usage: parachute-runner once [--only <path>] [--date YYYY-MM-DD] [--dry-run]");
    return 2;
  }
  const root = join(import.meta.dir, "..");
  const manifest = validateManifest(
    JSON.parse(readFileSync(join(root, ".parachute", "module.json"), "utf8")),
  );
  const config = new ConfigStore(deps.dataDir, manifest.configSchema as never);
  const settings = () => settingsFrom(config.values());
  const hub = deps.env.PARACHUTE_HUB_URL ? null : await runningHub(deps.home);
  const hubUrl = deps.env.PARACHUTE_HUB_URL ?? (hub ? `http://127.0.0.1:${hub.port}` : "");
  const env = {
    ...deps.env,
    PARACHUTE_SERVICE_TOKEN_FILE:
      deps.env.PARACHUTE_SERVICE_TOKEN_FILE ?? join(deps.dataDir, ".service-token"),
  };
  const parts = runnerParts({
    settings,
    secrets: deps.secrets,
    store: deps.store,
    dataDir: deps.dataDir,
    hubUrl: () => hubUrl.replace(/\/+$/, ""),
    env,
    log: deps.print,
  });
  const notes = (await parts.vault.jobNotes()).filter((n) => !only || n.path === only);
  if (only && !notes.length) {
    deps.print(`no job note at ${only}`);
    return 1;
  }
  let failed = 0;
  for (const note of notes) {
    const { job, problems } = parseJob(note, settings());
    if (!job) {
      deps.print(`${note.path}: not run: ${problems.join("; ")}`);
      failed++;
      continue;
    }
    if (job.disabled && !only) continue;
    if (dryRun) {
      const vars = {
        date: date ?? dateIn(settings().timeZone)(Date.now()),
        job_name: job.name,
        run_id: "run_dry",
        vault: settings().vault,
      };
      deps.print(`${job.path} → ${renderTemplate(job.outputPath, vars)}`);
      deps.print(
        `  ${claudeArgv({
          command: settings().claudeCommand,
          prompt: "",
          model: job.model,
          allowedTools: job.allowedTools,
          mcpConfigFile: "<mcp-config>",
          cwd: "",
          timeoutMs: job.timeoutMs,
          env: {},
        }).join(" ")}`,
      );
      continue;
    }
    const run = deps.store.claim({
      jobId: job.id,
      jobPath: job.path,
      scheduledFor: null,
      trigger: "manual",
      now: Date.now(),
    })!;
    const runFor = date ? { ...run, scheduledFor: Date.parse(`${date}T12:00:00Z`) } : run;
    await parts.run(job, runFor);
    const done = deps.store.list({ jobId: job.id, limit: 5 }).find((r) => r.id === run.id);
    deps.print(
      `${job.path}: ${done?.status ?? "?"}${done?.outputPath ? ` → ${done.outputPath}` : ""}${done?.reason ? ` (${done.reason})` : ""}`,
    );
    if (done?.status !== "succeeded") failed++;
  }
  return failed ? 1 : 0;
}
