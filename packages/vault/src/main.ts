#!/usr/bin/env bun
/**
 * The vault module's composition root: real clock, real databases, hub token verification. With a
 * command (`mcp`, `mcp-config`, …) it runs that instead of serving; this is the only place that exits.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  allowScope,
  serveModule,
  serviceToken,
  validateManifest,
  verifierFromEnv,
} from "@parachute/module-kit";
import { vaultAuth } from "./auth.ts";
import { runCli } from "./cli.ts";
import { VaultSet } from "./core/vaults.ts";
import { mcpAccess } from "./mcp/access.ts";
import { mcpHttp, mcpVaultName } from "./mcp/http.ts";
import { restApp } from "./rest/app.ts";
import { startTranscriptionWorker } from "./transcription-worker.ts";

const root = join(import.meta.dir, "..");
const manifest = validateManifest(JSON.parse(readFileSync(join(root, ".parachute", "module.json"), "utf8")));
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };

const argv = process.argv.slice(2);
if (argv.length > 0) {
  const interrupted = new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  const code = await runCli(argv, {
    print: (t) => process.stdout.write(`${t}\n`),
    printErr: (t) => process.stderr.write(`${t}\n`),
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    self: [process.execPath, import.meta.path],
    cwd: process.cwd(),
    version,
    interrupted,
  });
  process.exit(code);
}

const home = process.env.PARACHUTE_HOME ?? join(process.env.HOME ?? ".", ".parachute");
const retryMs = Number(process.env.VAULT_TRANSCRIPTION_RETRY_MS) || undefined;
const vaults = new VaultSet(join(home, "vault"), () => Date.now(), retryMs);
const verifier = verifierFromEnv(manifest.name);
const publicOrigin = process.env.PARACHUTE_HUB_ORIGIN ?? "http://127.0.0.1:1939";
const rest = restApp(vaults, vaultAuth(verifier, vaults), publicOrigin);
const mcp = mcpHttp({ vaults, access: mcpAccess(verifier, vaults), publicOrigin, version });

const { server, config } = serveModule({
  manifest,
  version,
  home,
  authorizeAdmin: allowScope(verifier, "vault:admin"),
  handler: (req) => {
    const mcpVault = mcpVaultName(req);
    return mcpVault === null ? rest.fetch(req) : mcp(req, mcpVault);
  },
});
startTranscriptionWorker({
  vaults,
  hubUrl: process.env.PARACHUTE_HUB_URL ?? publicOrigin,
  token: () => serviceToken(),
  keepAudio: () => config.values().keepAudio !== false,
  log: (line) => console.log(line),
});
process.on("exit", () => vaults.close());
console.log(`vault ${version} serving ${vaults.names().join(", ")} on ${server.url}`);
