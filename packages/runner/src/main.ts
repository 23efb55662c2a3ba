#!/usr/bin/env bun
/**
 * The runner's composition root: settings from the module's config, the encrypted vault token, the
 * run records, the scheduler and the admin API — or, with `once`, one pass over the jobs. The only
 * place that exits.
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { allowScope, HttpError, serveModule, validateManifest, verifierFromEnv } from "@parachute/module-kit";
import { runOnce } from "./cli.ts";
import { killAllJobs, reapOrphans } from "./exec/claude.ts";
import { runnerApp } from "./http/app.ts";
import { runnerParts, VAULT_TOKEN } from "./runtime.ts";
import { Scheduler } from "./scheduler.ts";
import { type RunnerSettings, settingsFrom } from "./settings.ts";
import { RunStore } from "./store/runs.ts";
import { migratePlaintext, SecretStore } from "./store/secrets.ts";
import { printable } from "./text.ts";

const root = join(import.meta.dir, "..");
const manifest = validateManifest(JSON.parse(readFileSync(join(root, ".parachute", "module.json"), "utf8")));
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
const home = process.env.PARACHUTE_HOME ?? join(process.env.HOME ?? ".", ".parachute");
const dataDir = join(home, manifest.name);
mkdirSync(dataDir, { recursive: true, mode: 0o700 });

const USAGE = `parachute-runner — scheduled AI jobs from vault notes tagged job

  serve [--port N] [--poll-interval S]   run the scheduler and the admin API (what the hub starts)
  once [--only <path>] [--date YYYY-MM-DD] [--dry-run]
                                         run every job (or one) once now and exit`;

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

const argv = process.argv.slice(2);
// The hub starts it without arguments; a person who does gets the usage, not a second runner.
const verb = argv[0] ?? (process.env.PARACHUTE_MODULE ? "serve" : "");
const secrets = new SecretStore(dataDir);
const store = new RunStore(join(dataDir, "runner.db"));
// What a job note says reaches the terminal (once, --dry-run) as text, never as control sequences.
const log = (line: string) => console.log(printable(line));

if (verb === "once") {
  process.exit(await runOnce(argv.slice(1), { home, dataDir, secrets, store, env: process.env, print: log }));
}
if (verb !== "serve") {
  const asked = verb === "help" || verb === "--help";
  console.error(asked || !verb ? USAGE : `unknown command "${verb}"\n\n${USAGE}`);
  process.exit(asked ? 0 : 2);
}
const port = flag(argv, "--port");
const poll = flag(argv, "--poll-interval");
if ((port && !/^\d{1,5}$/.test(port)) || (poll && !/^\d{1,5}$/.test(poll))) {
  console.error(USAGE);
  process.exit(2);
}

// MCP configs of runs a crash cut short hold a token: none outlives the process that wrote it.
const orphans = reapOrphans(join(dataDir, "work"));
if (orphans) log(`${orphans} job program(s) left running by the last stop were stopped`);
rmSync(join(dataDir, "work"), { recursive: true, force: true });
const STORED = "(stored encrypted)";
let warnedZone = "";
let lastSecretError = "";
const verifier = verifierFromEnv(manifest.name);
let settings = (): RunnerSettings => settingsFrom({});
const parts = runnerParts({
  settings: () => settings(),
  secrets,
  store,
  dataDir,
  hubUrl: () => (process.env.PARACHUTE_HUB_URL ?? "http://127.0.0.1:1939").replace(/\/+$/, ""),
  env: process.env,
  log,
});
const scheduler = new Scheduler({
  vault: parts.vault,
  store,
  execute: parts.run,
  settings: () => settings(),
  now: Date.now,
  log,
});

const app = runnerApp({
  scheduler,
  store,
  authorize: async (r) => {
    await verifier.verify(r.headers.get("authorization"), "runner:admin");
  },
  clearVaultToken: () => {
    config.update({ [VAULT_TOKEN]: null });
    try {
      secrets.clear(VAULT_TOKEN);
    } catch (err) {
      throw new HttpError(
        409,
        "secrets_unreadable",
        `${(err as Error).message}; remove that file to forget every stored secret`,
      );
    }
  },
});

// Registered before the module kit's own handler (which exits): job programs go with the runner.
process.on("SIGTERM", killAllJobs);
process.on("SIGINT", killAllJobs);
process.on("exit", killAllJobs);
const { server, config } = serveModule({
  manifest,
  version,
  home,
  port: port ? Number(port) : undefined,
  authorizeAdmin: allowScope(verifier, "runner:admin"),
  handler: (req) => app.fetch(req),
});

/**
 * A token typed into the settings form is kept encrypted, never in config.json, which keeps only a
 * marker so the form shows it as set (and can clear it: the marker gone, the token goes too).
 */
settings = () => {
  const values = config.values();
  const typed = values[VAULT_TOKEN];
  try {
    if (typeof typed === "string" && typed && typed !== STORED) {
      migratePlaintext(values, VAULT_TOKEN, secrets);
      config.update({ [VAULT_TOKEN]: STORED });
    } else if (typed === undefined && secrets.has(VAULT_TOKEN)) {
      secrets.clear(VAULT_TOKEN);
    }
  } catch (err) {
    // The store cannot be used (its file damaged, say): a typed token is not kept in plain text.
    if (typeof typed === "string" && typed !== STORED) config.update({ [VAULT_TOKEN]: null });
    if (String(err) !== lastSecretError) {
      lastSecretError = String(err);
      log(`the vault token could not be stored: ${lastSecretError}`);
    }
  }
  const s = settingsFrom(values, poll ? { pollSeconds: Number(poll) } : {});
  if (values.timeZone && s.timeZone !== values.timeZone && warnedZone !== values.timeZone) {
    warnedZone = String(values.timeZone);
    log(`time zone "${warnedZone}" is not one this machine knows; using ${s.timeZone}`);
  }
  return s;
};
settings();
scheduler.start();
console.log(`runner ${version} serving on ${server.url}`);
