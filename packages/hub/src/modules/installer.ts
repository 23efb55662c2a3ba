import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { HttpError, type Manifest, ManifestError, readManifest } from "@parachute/module-kit";
import type { PackageSpec } from "./package-spec.ts";

/** Where packages come from: a registry by URL, or a folder of `npm pack` tarballs. */
export type ModuleSource = { kind: "registry"; url: string } | { kind: "folder"; dir: string };

/** A `source` given in a request: an http(s) registry URL, or an absolute folder of tarballs. */
export function parseSource(raw: string): ModuleSource {
  if (/^https?:\/\/[^\s;'"`$]+$/.test(raw)) {
    try {
      return { kind: "registry", url: new URL(raw).toString() };
    } catch {}
  }
  if (raw.startsWith("/") && !raw.split("/").includes("..") && !/[\0\n]/.test(raw)) {
    if (!existsSync(raw)) throw new HttpError(400, "invalid_source", `${raw} does not exist`);
    return { kind: "folder", dir: raw };
  }
  throw new HttpError(
    400,
    "invalid_source",
    '"source" must be an http(s) registry URL or an absolute folder of tarballs',
  );
}

/** A package added to `$PARACHUTE_HOME/modules`, with a way to take it out again. */
export interface FetchedPackage {
  dir: string;
  manifest: Manifest;
  version: string;
  /** Puts `modules/` back as it was before this install. */
  rollback(): void;
}

const semverKey = (v: string) =>
  v
    .split(/[.-]/)
    .map((p) => (/^\d+$/.test(p) ? p.padStart(9, "0") : p))
    .join(".");

/** The tarball for a spec in a folder source: the exact version, or the highest for a channel. */
export function tarballIn(dir: string, spec: PackageSpec): string {
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
  if (!pick) throw new HttpError(422, "not_in_source", `${spec.name}@${spec.want} is not in ${dir}`);
  return join(dir, `${prefix}${pick}.tgz`);
}

/**
 * Adds one package to the modules project with Bun — never running lifecycle scripts, the spec
 * passed as a single argv item — and checks its manifest. Any failure leaves `modules/` as it was.
 */
export async function fetchPackage(
  modulesDir: string,
  spec: PackageSpec,
  source: ModuleSource,
): Promise<FetchedPackage> {
  mkdirSync(modulesDir, { recursive: true });
  const pkgFile = join(modulesDir, "package.json");
  if (!existsSync(pkgFile))
    writeFileSync(pkgFile, `${JSON.stringify({ name: "parachute-modules", private: true }, null, 2)}\n`);
  const saved = ["package.json", "bun.lock"].filter((f) => existsSync(join(modulesDir, f)));
  for (const f of saved) copyFileSync(join(modulesDir, f), join(modulesDir, `${f}.before`));
  const installed = join(modulesDir, "node_modules", spec.name);
  const existed = existsSync(installed);

  const rollback = () => {
    for (const f of saved) copyFileSync(join(modulesDir, `${f}.before`), join(modulesDir, f));
    if (!saved.includes("bun.lock")) rmSync(join(modulesDir, "bun.lock"), { force: true });
    if (!existed) rmSync(installed, { recursive: true, force: true });
  };

  const target = source.kind === "folder" ? tarballIn(source.dir, spec) : `${spec.name}@${spec.want}`;
  const argv = [process.execPath, "add", "--ignore-scripts", "--exact", "--no-progress", target];
  if (source.kind === "registry") argv.push("--registry", source.url);
  const { code, out, err } = await runBun(modulesDir, argv.slice(1));
  if (code !== 0) {
    rollback();
    throw new HttpError(
      422,
      "install_failed",
      `bun add ${target} failed: ${(err || out).trim().slice(-800)}`,
    );
  }
  try {
    const manifest = await readManifest(installed);
    const version = String(JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).version);
    return { dir: installed, manifest, version, rollback };
  } catch (e) {
    rollback();
    if (e instanceof ManifestError) throw new HttpError(422, "invalid_package", e.message);
    throw e;
  }
}

/** Takes an installed package out of the modules project (package.json, lockfile and folder). */
export async function removePackage(modulesDir: string, installedDir: string): Promise<void> {
  const name = String(JSON.parse(readFileSync(join(installedDir, "package.json"), "utf8")).name);
  await runBun(modulesDir, ["remove", "--ignore-scripts", "--no-progress", name]);
  rmSync(installedDir, { recursive: true, force: true });
}

/** Runs Bun's package manager in the modules project, as an argv array, with a minimal environment. */
async function runBun(
  modulesDir: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn([process.execPath, ...args], {
    cwd: modulesDir,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      BUN_INSTALL_CACHE_DIR: join(modulesDir, ".cache"),
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, out, err };
}
