/**
 * Packs every workspace module (a package with `.parachute/module.json`), and the hub, into a self-contained
 * tarball: its entry bundled with its dependencies into `dist/main.js` (and a web app's build into
 * `dist/web`), a package.json with no dependencies, and the manifest pointed at the bundle. Installing one resolves no dependency tree
 * and runs nothing (docs/product.md).
 *
 *   bun scripts/pack-modules.ts [--out <dir>] [--version <x.y.z>]
 *
 * `--out` defaults to dist/modules; `--version` packs every package as that version instead of its own
 * (to publish a newer build, as the upgrade tests do).
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = join(import.meta.dir, "..");
const outFlag = process.argv.indexOf("--out");
const out = resolve(outFlag > 0 ? process.argv[outFlag + 1]! : join(root, "dist", "modules"));
const versionFlag = process.argv.indexOf("--version");
const versionOf = (pkg: { version: string }): string =>
  versionFlag > 0 ? process.argv[versionFlag + 1]! : pkg.version;

/** The tarball name npm would give: `@scope/name` → `scope-name-<version>.tgz`. */
export function tarballName(name: string, version: string): string {
  return `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`;
}

/** Bundles `entry` with its dependencies into `<staging>/package/dist/<out>`. */
async function bundle(
  dir: string,
  entry: string,
  out: string,
  target: string,
  version: string,
): Promise<void> {
  const built = await Bun.build({
    entrypoints: [join(dir, entry)],
    target: "bun",
    outdir: join(target, "dist"),
    naming: out,
    define: { PARACHUTE_BUILD_VERSION: JSON.stringify(version) },
  });
  if (!built.success) throw new Error(`${dir}: bundle failed\n${built.logs.join("\n")}`);
}

/** Writes package.json (no dependencies) and the README, and tars `package/` into the output folder. */
function finish(dir: string, staging: string, pkg: Record<string, unknown>): string {
  const target = join(staging, "package");
  writeFileSync(join(target, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  if (existsSync(join(dir, "README.md"))) cpSync(join(dir, "README.md"), join(target, "README.md"));
  const file = join(out, tarballName(String(pkg.name), String(pkg.version)));
  const tar = Bun.spawnSync(["tar", "-czf", file, "-C", staging, "package"], { stderr: "pipe" });
  if (tar.exitCode !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  return file;
}

/** A module with a web app (`web/`) ships its build (scripts/build-web.ts). */
async function packWeb(dir: string, target: string): Promise<void> {
  const build = Bun.spawn([process.execPath, join(root, "scripts", "build-web.ts"), dir], {
    stdout: "ignore",
    stderr: "pipe",
  });
  if ((await build.exited) !== 0)
    throw new Error(`${dir}: web build failed\n${await new Response(build.stderr).text()}`);
  cpSync(join(dir, "dist", "web"), join(target, "dist", "web"), { recursive: true });
}

async function pack(dir: string): Promise<string> {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const manifest = JSON.parse(readFileSync(join(dir, ".parachute", "module.json"), "utf8"));
  const [runtime, entry] = manifest.startCmd as string[];
  if (runtime !== "bun" || !entry)
    throw new Error(`${dir}: startCmd must be ["bun", "<entry>"] to be bundled`);
  const staging = mkdtempSync(join(tmpdir(), "pack-"));
  try {
    const target = join(staging, "package");
    await bundle(dir, entry, "main.js", target, versionOf(pkg));
    if (existsSync(join(dir, "web"))) await packWeb(dir, target);
    mkdirSync(join(target, ".parachute"));
    writeFileSync(
      join(target, ".parachute", "module.json"),
      `${JSON.stringify({ ...manifest, startCmd: ["bun", "dist/main.js"] }, null, 2)}\n`,
    );
    return finish(dir, staging, {
      name: pkg.name,
      version: versionOf(pkg),
      description: pkg.description,
      license: pkg.license,
      type: "module",
      ...(pkg.bin ? { bin: Object.fromEntries(Object.keys(pkg.bin).map((k) => [k, "dist/main.js"])) } : {}),
    });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The hub itself, bundled the same way, so `parachute upgrade hub` can install it into a home. */
async function packHub(dir: string): Promise<string> {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const staging = mkdtempSync(join(tmpdir(), "pack-"));
  try {
    await bundle(dir, pkg.bin.parachute, "parachute.js", join(staging, "package"), versionOf(pkg));
    // The hub serves the admin app from `dist/admin`, beside its bundle.
    const admin = join(dir, "..", "admin");
    const build = Bun.spawn([process.execPath, join(root, "scripts", "build-web.ts"), admin], {
      stdout: "ignore",
      stderr: "pipe",
    });
    if ((await build.exited) !== 0)
      throw new Error(`admin app build failed\n${await new Response(build.stderr).text()}`);
    cpSync(join(admin, "dist", "web"), join(staging, "package", "dist", "admin"), { recursive: true });
    return finish(dir, staging, {
      name: pkg.name,
      version: versionOf(pkg),
      description: pkg.description,
      license: pkg.license,
      type: "module",
      bin: { parachute: "dist/parachute.js" },
    });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  mkdirSync(out, { recursive: true });
  const packagesDir = join(root, "packages");
  for (const name of readdirSync(packagesDir).sort()) {
    const dir = join(packagesDir, name);
    if (existsSync(join(dir, ".parachute", "module.json"))) console.log(await pack(dir));
  }
  console.log(await packHub(join(packagesDir, "hub")));
}
