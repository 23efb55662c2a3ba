#!/usr/bin/env bun
/** The vault module's composition root: real clock, real databases, hub token verification. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { allowScope, serveModule, validateManifest, verifierFromEnv } from "@parachute/module-kit";
import { vaultAuth } from "./auth.ts";
import { VaultSet } from "./core/vaults.ts";
import { restApp } from "./rest/app.ts";

const root = join(import.meta.dir, "..");
const manifest = validateManifest(JSON.parse(readFileSync(join(root, ".parachute", "module.json"), "utf8")));
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
const home = process.env.PARACHUTE_HOME ?? join(process.env.HOME ?? ".", ".parachute");
const vaults = new VaultSet(join(home, "vault"), () => Date.now());
const verifier = verifierFromEnv(manifest.name);
const rest = restApp(vaults, vaultAuth(verifier, vaults));

const { server } = serveModule({
  manifest,
  version,
  home,
  authorizeAdmin: allowScope(verifier, "vault:admin"),
  handler: (req) => rest.fetch(req),
});
process.on("exit", () => vaults.close());
console.log(`vault ${version} serving ${vaults.names().join(", ")} on ${server.url}`);
