import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, join, relative } from "node:path";
import { type Manifest, ManifestError, readManifest } from "@parachute/module-kit";
import { HubError } from "../errors.ts";
import type { PackageSpec } from "./package-spec.ts";
import type { ModuleSource } from "./sources.ts";

/**
 * How a package-manager run is watched: its log lines, and the orphan guard that kills its process
 * group if the hub dies while it runs (so it cannot change `modules/` after the next boot's recovery).
 */
export interface RunOptions {
  log?: (line: string) => void;
  guard?: { add(pgid: number): void; remove(pgid: number): void };
}

/** A package added to `$PARACHUTE_HOME/modules`. */
export interface FetchedPackage {
  dir: string;
  manifest: Manifest;
  version: string;
}

const PROJECT_FILES = ["package.json", "bun.lock"];

/**
 * Copies the modules project's package.json and lockfile into `into`, so an install can be undone —
 * by the operation itself, or by the next boot when the hub died in the middle of it.
 */
export function snapshotProject(modulesDir: string, into: string): void {
  mkdirSync(modulesDir, { recursive: true });
  const pkgFile = join(modulesDir, "package.json");
  if (!existsSync(pkgFile))
    writeFileSync(pkgFile, `${JSON.stringify({ name: "parachute-modules", private: true }, null, 2)}\n`);
  mkdirSync(into, { recursive: true, mode: 0o700 });
  for (const f of PROJECT_FILES) {
    if (existsSync(join(modulesDir, f))) copyFileSync(join(modulesDir, f), join(into, f));
  }
}

/** Puts package.json and the lockfile back as a snapshot holds them. */
export function restoreProject(modulesDir: string, from: string): void {
  for (const f of PROJECT_FILES) {
    if (existsSync(join(from, f))) copyFileSync(join(from, f), join(modulesDir, f));
    else rmSync(join(modulesDir, f), { force: true });
  }
}

const semverKey = (v: string) =>
  v
    .split(/[.-]/)
    .map((p) => (/^\d+$/.test(p) ? p.padStart(9, "0") : p))
    .join(".");

/** The tarball for a spec in a folder source: the exact version, or the highest for a channel. */
function tarballIn(dir: string, spec: PackageSpec): string {
  const prefix = `${spec.name.replace(/^@/, "").replace("/", "-")}-`;
  const versions = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.startsWith(prefix) && f.endsWith(".tgz"))
        .map((f) => f.slice(prefix.length, -4))
        .filter((v) => /^\d+\.\d+\.\d+/.test(v))
    : [];
  const pick = /^\d/.test(spec.want)
    ? versions.find((v) => v === spec.want)
    : versions
        .filter((v) => !v.includes("-") || spec.want !== "latest")
        .sort((a, b) => semverKey(b).localeCompare(semverKey(a)))[0];
  if (!pick)
    throw new HubError("unprocessable", "not_in_source", `${spec.name}@${spec.want} is not in ${dir}`);
  return join(dir, `${prefix}${pick}.tgz`);
}

/**
 * The exact version a spec names in a source, asked before anything is changed: the tarball a
 * folder holds, or the registry's dist-tag or version list. Refused with 422 when there is none.
 */
export async function resolveVersion(spec: PackageSpec, source: ModuleSource): Promise<string> {
  if (source.kind === "folder") return versionOfTarball(tarballIn(source.dir, spec), spec.name);
  const base = source.url.endsWith("/") ? source.url : `${source.url}/`;
  let doc: { "dist-tags"?: Record<string, string>; versions?: Record<string, unknown> };
  try {
    const res = await fetch(`${base}${spec.name.replace("/", "%2f")}`, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status === 404)
      throw new HubError("unprocessable", "not_in_source", `${spec.name} is not in ${source.url}`);
    if (!res.ok) throw new Error(`it answered ${res.status}`);
    doc = (await res.json()) as typeof doc;
  } catch (err) {
    if (err instanceof HubError) throw err;
    throw new HubError(
      "upstream",
      "source_unreachable",
      `cannot read ${spec.name} from ${source.url}: ${(err as Error).message}`,
    );
  }
  const version = /^\d/.test(spec.want) ? spec.want : doc["dist-tags"]?.[spec.want];
  if (!version || !doc.versions?.[version])
    throw new HubError("unprocessable", "not_in_source", `${spec.name}@${spec.want} is not in ${source.url}`);
  return version;
}

function versionOfTarball(file: string, name: string): string {
  const prefix = `${name.replace(/^@/, "").replace("/", "-")}-`;
  return basename(file).slice(prefix.length, -".tgz".length);
}

/** Where a package lives once installed in the modules project. */
export function packageDir(modulesDir: string, name: string): string {
  return join(modulesDir, "node_modules", name);
}

/**
 * Adds one package to a Bun project folder — never running lifecycle scripts, the spec passed as a
 * single argv item — and returns where it landed and its version.
 */
export async function addPackage(
  projectDir: string,
  spec: PackageSpec,
  source: ModuleSource,
  opts: RunOptions = {},
): Promise<{ dir: string; version: string }> {
  const installed = packageDir(projectDir, spec.name);
  const target = source.kind === "folder" ? tarballIn(source.dir, spec) : `${spec.name}@${spec.want}`;
  const argv = ["add", "--ignore-scripts", "--exact", "--no-progress", target];
  // A cached manifest would pin a channel to the version it had when last asked.
  if (source.kind === "registry") argv.push("--registry", source.url, "--no-cache");
  const { code, out, err } = await runBun(projectDir, argv, opts.guard);
  for (const line of `${out}\n${err}`.split("\n")) if (line.trim()) opts.log?.(line.trimEnd());
  if (code !== 0) {
    throw new HubError(
      "unprocessable",
      "install_failed",
      `bun add ${target} failed: ${(err || out).trim().slice(-800)}`,
    );
  }
  try {
    return {
      dir: installed,
      version: String(JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).version),
    };
  } catch {
    throw new HubError(
      "unprocessable",
      "invalid_package",
      `${spec.name} installed without a readable package.json`,
    );
  }
}

/**
 * Adds a module package to the modules project and checks its manifest. The caller snapshots the
 * project first and restores it when this throws.
 */
export async function fetchPackage(
  modulesDir: string,
  spec: PackageSpec,
  source: ModuleSource,
  opts: RunOptions = {},
): Promise<FetchedPackage> {
  const { dir, version } = await addPackage(modulesDir, spec, source, opts);
  try {
    return { dir, manifest: await readManifest(dir), version };
  } catch (e) {
    if (e instanceof ManifestError) throw new HubError("unprocessable", "invalid_package", e.message);
    throw new HubError(
      "unprocessable",
      "invalid_package",
      `${spec.name} is not a Parachute module: ${(e as Error).message}`,
    );
  }
}

/** Takes an installed package out of the modules project (package.json, lockfile and folder). */
export async function removePackage(
  modulesDir: string,
  installedDir: string,
  opts: RunOptions = {},
): Promise<void> {
  const name = relative(join(modulesDir, "node_modules"), installedDir);
  await runBun(modulesDir, ["remove", "--ignore-scripts", "--no-progress", name], opts.guard);
  rmSync(installedDir, { recursive: true, force: true });
}

/**
 * Installs a modules project from its package.json and lockfile (after a restore), never running
 * lifecycle scripts; registry packages come from `registry` when given.
 */
export async function installProject(projectDir: string, registry?: string): Promise<void> {
  const argv = [
    "install",
    "--ignore-scripts",
    "--no-progress",
    ...(registry ? ["--registry", registry] : []),
  ];
  const { code, out, err } = await runBun(projectDir, argv);
  if (code !== 0)
    throw new HubError("failed", "install_failed", `bun install failed: ${(err || out).trim().slice(-800)}`);
}

/** Runs Bun's package manager in the modules project, as an argv array, with a minimal environment. */
async function runBun(
  projectDir: string,
  args: string[],
  guard?: RunOptions["guard"],
): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn([process.execPath, ...args], {
    cwd: projectDir,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      BUN_INSTALL_CACHE_DIR: join(projectDir, ".cache"),
    },
    stdout: "pipe",
    stderr: "pipe",
    detached: guard !== undefined,
  });
  guard?.add(proc.pid);
  try {
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { code, out, err };
  } finally {
    guard?.remove(proc.pid);
  }
}

const SEMVER = /^\d{1,9}\.\d{1,9}\.\d{1,9}(-[0-9A-Za-z.-]{1,40})?(\+[0-9A-Za-z.-]{1,40})?$/;

/**
 * Refuses a package whose version is not a version number: it is shown in logs, the CLI and the
 * admin app, where a crafted one could forge lines or rewrite the operator's terminal.
 */
export function checkVersion(name: string, version: string): void {
  if (!SEMVER.test(version)) {
    throw new HubError(
      "unprocessable",
      "invalid_package",
      `${name}'s package.json version ${JSON.stringify(version.slice(0, 60))} is not a version number (such as 1.2.3)`,
    );
  }
}
