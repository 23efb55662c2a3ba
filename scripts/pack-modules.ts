/**
 * Packs every workspace module (a package with `.parachute/module.json`) into a self-contained
 * tarball: its entry bundled with its dependencies into `dist/main.js`, a package.json with no
 * dependencies, and the manifest pointed at the bundle. Installing one resolves no dependency tree
 * and runs nothing (PRODUCT §8).
 *
 *   bun scripts/pack-modules.ts [--out <dir>]     (default: dist/modules)
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
mkdirSync(out, { recursive: true });

/** The tarball name npm would give: `@scope/name` → `scope-name-<version>.tgz`. */
export function tarballName(name: string, version: string): string {
  return `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`;
}

async function pack(dir: string): Promise<string> {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const manifest = JSON.parse(readFileSync(join(dir, ".parachute", "module.json"), "utf8"));
  const [runtime, entry] = manifest.startCmd as string[];
  if (runtime !== "bun" || !entry)
    throw new Error(`${dir}: startCmd must be ["bun", "<entry>"] to be bundled`);

  const staging = mkdtempSync(join(tmpdir(), "pack-"));
  const target = join(staging, "package");
  try {
    const built = await Bun.build({
      entrypoints: [join(dir, entry)],
      target: "bun",
      outdir: join(target, "dist"),
      naming: "main.js",
    });
    if (!built.success) throw new Error(`${dir}: bundle failed\n${built.logs.join("\n")}`);
    mkdirSync(join(target, ".parachute"));
    writeFileSync(
      join(target, ".parachute", "module.json"),
      `${JSON.stringify({ ...manifest, startCmd: ["bun", "dist/main.js"] }, null, 2)}\n`,
    );
    const packed = {
      name: pkg.name,
      version: pkg.version,
      description: pkg.description,
      license: pkg.license,
      type: "module",
      ...(pkg.bin ? { bin: Object.fromEntries(Object.keys(pkg.bin).map((k) => [k, "dist/main.js"])) } : {}),
    };
    writeFileSync(join(target, "package.json"), `${JSON.stringify(packed, null, 2)}\n`);
    if (existsSync(join(dir, "README.md"))) cpSync(join(dir, "README.md"), join(target, "README.md"));
    const file = join(out, tarballName(pkg.name, pkg.version));
    const tar = Bun.spawnSync(["tar", "-czf", file, "-C", staging, "package"], { stderr: "pipe" });
    if (tar.exitCode !== 0) throw new Error(`tar failed: ${tar.stderr}`);
    return file;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const packagesDir = join(root, "packages");
  for (const name of readdirSync(packagesDir).sort()) {
    const dir = join(packagesDir, name);
    if (!existsSync(join(dir, ".parachute", "module.json"))) continue;
    console.log(await pack(dir));
  }
}
