#!/usr/bin/env bun
/**
 * Scribe's composition root: settings from the module's config, a bounded job queue, hub token
 * verification, and the OpenAI-compatible routes behind the module protocol's standard endpoints.
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { allowScope, serveModule, validateManifest, verifierFromEnv } from "@parachute/module-kit";
import { JobQueue } from "./core/queue.ts";
import { settingsFrom } from "./core/settings.ts";
import { scribeApp } from "./http/app.ts";

const root = join(import.meta.dir, "..");
const manifest = validateManifest(JSON.parse(readFileSync(join(root, ".parachute", "module.json"), "utf8")));
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };

const home = process.env.PARACHUTE_HOME ?? join(process.env.HOME ?? ".", ".parachute");
// Uploads and decoded audio of jobs under way; what a crash left behind goes at start.
const workDir = join(home, manifest.name, "work");
rmSync(workDir, { recursive: true, force: true });
mkdirSync(workDir, { recursive: true, mode: 0o700 });

const verifier = verifierFromEnv(manifest.name);
let settings = () => settingsFrom({});
const queue = new JobQueue(() => settings().queueSize);
const app = scribeApp({
  settings: () => settings(),
  queue,
  authorize: async (req) => {
    await verifier.verify(req.headers.get("authorization"), "scribe:transcribe");
  },
  workDir,
  origin: process.env.PARACHUTE_HUB_ORIGIN ?? "http://127.0.0.1:1939",
  log: (line) => console.log(line),
});

const { server, config } = serveModule({
  manifest,
  version,
  home,
  authorizeAdmin: allowScope(verifier, "scribe:admin"),
  handler: (req) => app.fetch(req),
});
settings = () => settingsFrom(config.values());
const engine = settings().engine;
console.log(`scribe ${version} serving on ${server.url} (engine: ${engine})`);
