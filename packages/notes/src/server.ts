#!/usr/bin/env bun
/**
 * The notes module's server: the module protocol's endpoints, and the built web app under `/notes`.
 * It holds no data (notes live in the vault, reached by the page through the hub) and answers only a
 * hub token for `notes`; in a source checkout it builds the web app first when it is out of date.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  allowScope,
  StaticSite,
  serveModule,
  validateManifest,
  verifierFromEnv,
} from "@parachute/module-kit";
import { NOTES_PAGE_POLICY, notesApp } from "./app.ts";

const root = join(import.meta.dir, "..");
const manifest = validateManifest(JSON.parse(readFileSync(join(root, ".parachute", "module.json"), "utf8")));
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
const home = process.env.PARACHUTE_HOME ?? join(process.env.HOME ?? ".", ".parachute");
const mount = manifest.paths[0]!;

// A checkout carries the app's sources (and the script that builds them); a packed module only the build.
const builder = join(root, "..", "..", "scripts", "build-web.ts");
if (existsSync(join(root, "web")) && existsSync(builder)) {
  const build = Bun.spawn([process.execPath, builder, root], { stdout: "inherit", stderr: "inherit" });
  if ((await build.exited) !== 0) {
    console.error("notes: building the web app failed (see above)");
    process.exit(1);
  }
}
const verifier = verifierFromEnv(manifest.name);
const app = notesApp({
  site: new StaticSite(join(root, "dist", "web"), mount, NOTES_PAGE_POLICY),
  publicPaths: new Set(manifest.publicPaths ?? []),
  authorize: async (req) => {
    await verifier.verify(req.headers.get("authorization"), "notes:admin");
  },
});

const { server } = serveModule({
  manifest,
  version,
  home,
  authorizeAdmin: allowScope(verifier, "notes:admin"),
  handler: app,
});
console.log(`notes ${version} serving on ${server.url}`);
