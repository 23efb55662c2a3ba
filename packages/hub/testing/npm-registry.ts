import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "./free-port.ts";
import { runProgram } from "./hub-process.ts";
import { waitFor } from "./wait.ts";

const VERDACCIO = join(import.meta.dir, "..", "..", "..", "node_modules", "verdaccio", "bin", "verdaccio");

export interface NpmRegistry {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** Publishes a tarball anonymously; throws with npm's stderr on failure. */
  publish(tarball: string): Promise<void>;
  /** Kills the registry and removes its storage. */
  stop(): Promise<void>;
}

/**
 * Starts an empty verdaccio on a free loopback port: anyone may read and publish any package, and
 * nothing is proxied (no uplinks), so a test sees exactly what it published.
 */
export async function startRegistry(): Promise<NpmRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "registry-test-"));
  const config = join(dir, "config.yaml");
  writeFileSync(
    config,
    `storage: ${JSON.stringify(join(dir, "storage"))}
packages:
  '**':
    access: $all
    publish: $all
    unpublish: $all
log: { type: stdout, format: pretty, level: warn }
`,
  );
  try {
    // The free port can be taken between our probe and verdaccio's bind; try a fresh one then.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const { proc, output, drained } = spawnVerdaccio(config, port);
      const url = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => proc.exitCode !== null || (await fetch(`${url}/-/ping`)).ok,
        "verdaccio to answer /-/ping",
        30_000,
      ).catch(async (err) => {
        proc.kill("SIGKILL");
        await proc.exited;
        throw new Error(`${err.message}\n${output()}`);
      });
      if (proc.exitCode === null) return registryAt(url, port, proc, dir);
      await drained;
      // Under Bun the bind failure reads "Failed to start server. Is port N in use?", not EADDRINUSE.
      if (attempt < 5 && /EADDRINUSE|in use/.test(output())) continue;
      throw new Error(`verdaccio exited with ${proc.exitCode}:\n${output()}`);
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function spawnVerdaccio(config: string, port: number) {
  let out = "";
  const proc = Bun.spawn([process.execPath, VERDACCIO, "--config", config, "--listen", `127.0.0.1:${port}`], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const collect = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s as unknown as AsyncIterable<Uint8Array>)
      out += new TextDecoder().decode(chunk);
  };
  const drained = Promise.all([collect(proc.stdout), collect(proc.stderr)]);
  return { proc, output: () => out, drained };
}

function registryAt(url: string, port: number, proc: Subprocess, dir: string): NpmRegistry {
  const npm = Bun.which("npm");
  // A temp cwd and userconfig keep the project's and the user's .npmrc out of the publish.
  const work = join(dir, "npm");
  mkdirSync(work);
  writeFileSync(join(work, "npmrc"), "");
  return {
    url,
    async publish(tarball) {
      if (!npm) throw new Error("npm is not on PATH");
      const argv = [npm, "publish", resolve(tarball), "--registry", url, "--userconfig", join(work, "npmrc")];
      // Verdaccio lets anyone publish here, but npm refuses to try without some token.
      argv.push(`--//127.0.0.1:${port}/:_authToken=x`);
      const res = await runProgram(argv, { npm_config_cache: join(work, "cache") }, work);
      if (res.code !== 0) throw new Error(`npm publish ${tarball} failed (${res.code}):\n${res.stderr}`);
    },
    async stop() {
      proc.kill("SIGKILL");
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Rewrites an `npm pack`-style tarball (files under `package/`) with a new version and, with
 * `breakStart`, a start command that prints `deliberately broken build` and exits 1 after writing `damaged-by-broken-build` into the module's data folder. Writes
 * `<outDir>/<scope-name>-<version>.tgz` and returns its path.
 */
export function repack(
  tarball: string,
  changes: { version: string; breakStart?: boolean },
  outDir: string,
): string {
  const staging = mkdtempSync(join(tmpdir(), "repack-"));
  try {
    tar(["-xzf", tarball, "-C", staging]);
    const pkgFile = join(staging, "package", "package.json");
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8"));
    pkg.version = changes.version;
    writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
    if (changes.breakStart) {
      const manifestFile = join(staging, "package", ".parachute", "module.json");
      const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
      manifest.startCmd = ["bun", "dist/broken.js"];
      writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
      mkdirSync(join(staging, "package", "dist"), { recursive: true });
      writeFileSync(
        join(staging, "package", "dist", "broken.js"),
        // It damages the module's data first, as a failed migration would; a rollback must undo that.
        [
          'const { appendFileSync, mkdirSync } = require("node:fs");',
          'const data = process.env.PARACHUTE_HOME + "/" + process.env.PARACHUTE_MODULE;',
          "mkdirSync(data, { recursive: true });",
          'appendFileSync(data + "/damaged-by-broken-build", "x");',
          'process.stderr.write("deliberately broken build\\n");',
          "process.exit(1);",
          "",
        ].join("\n"),
      );
    }
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `${pkg.name.replace(/^@/, "").replace("/", "-")}-${changes.version}.tgz`);
    tar(["-czf", file, "-C", staging, "package"]);
    return file;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function tar(args: string[]): void {
  const res = Bun.spawnSync(["tar", ...args], { stderr: "pipe" });
  if (res.exitCode !== 0) throw new Error(`tar ${args.join(" ")} failed: ${res.stderr}`);
}
