import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { HubError } from "../errors.ts";
import { checkoutRoot } from "../platform/checkout.ts";
import { CATALOG } from "./catalog.ts";

const NPM = "https://registry.npmjs.org/";

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
    if (!existsSync(raw)) throw new HubError("invalid", "invalid_source", `${raw} does not exist`);
    return { kind: "folder", dir: raw };
  }
  throw new HubError(
    "invalid",
    "invalid_source",
    '"source" must be an http(s) registry URL or an absolute folder of tarballs',
  );
}

/**
 * The module source used when a request names none: `PARACHUTE_MODULE_SOURCE` if set; in a source
 * checkout, its own workspace modules packed into `dist/modules` (packed on first use and again
 * whenever a package's sources are newer than the pack, so a checkout installs offline what it
 * holds); otherwise npm's registry.
 */
export function defaultSource(env: Record<string, string | undefined>): () => Promise<ModuleSource> {
  const root = checkoutRoot(env);
  return async () => {
    if (env.PARACHUTE_MODULE_SOURCE) return parseSource(env.PARACHUTE_MODULE_SOURCE);
    if (!root) return { kind: "registry", url: NPM };
    const packer = join(root, "scripts", "pack-modules.ts");
    const dir = join(root, "dist", "modules");
    if (packedAt(dir) < newestSource(join(root, "packages"))) {
      const pack = Bun.spawn([process.execPath, packer, "--out", dir], { stdout: "ignore", stderr: "pipe" });
      if ((await pack.exited) !== 0) {
        throw new HubError(
          "failed",
          "pack_failed",
          `packing the checkout's modules failed: ${await new Response(pack.stderr).text()}`,
        );
      }
    }
    return { kind: "folder", dir };
  };
}

/** When the checkout's modules were last packed (0 when never). */
function packedAt(dir: string): number {
  if (!existsSync(dir)) return 0;
  const times = readdirSync(dir)
    .filter((f) => f.endsWith(".tgz"))
    .map((f) => statSync(join(dir, f)).mtimeMs);
  return times.length ? Math.min(...times) : 0;
}

/** The newest change to a workspace package's sources or package.json, so a stale pack is redone. */
function newestSource(packages: string): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === "node_modules" || (e.name.startsWith(".") && e.name !== ".parachute")) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const pkg of readdirSync(packages)) {
    for (const part of ["src", "web", ".parachute", "package.json"]) {
      const path = join(packages, pkg, part);
      if (!existsSync(path)) continue;
      if (statSync(path).isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** A source as a person would name it: the registry URL or the folder. */
export function describeSource(source: ModuleSource): string {
  return source.kind === "registry" ? source.url : source.dir;
}

/**
 * The catalog modules a folder source offers (its tarballs, by package name), for messages; null for
 * a registry, which is not listed.
 */
export function offeredModules(source: ModuleSource): string[] | null {
  if (source.kind !== "folder") return null;
  const files = existsSync(source.dir) ? readdirSync(source.dir).filter((f) => f.endsWith(".tgz")) : [];
  return CATALOG.filter((e) =>
    files.some((f) => f.startsWith(`${e.package.replace(/^@/, "").replace("/", "-")}-`)),
  ).map((e) => e.short);
}
