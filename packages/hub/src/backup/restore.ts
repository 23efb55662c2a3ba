import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, isAbsolute, join } from "node:path";
import { readServices, writeServices } from "@parachute/module-kit";
import { HubError } from "../errors.ts";
import { installProject } from "../modules/installer.ts";
import { assignPort, portMode } from "../modules/ports.ts";
import { defaultSource, type ModuleSource } from "../modules/sources.ts";
import type { Home } from "../platform/home.ts";
import { findSquatter } from "../supervisor/port-probe.ts";
import { carryRevocations } from "./carry-revocations.ts";
import { type BackupManifest, HOME_DIR } from "./format.ts";
import { extractBackup } from "./read-backup.ts";

export interface RestoreOptions {
  /** Replace a home that already holds something (kept aside in `.restore-replaced-<time>`). */
  force: boolean;
  hubVersion: string;
  /** This machine's environment: its module source serves when the backup's package paths are not here. */
  env: Record<string, string | undefined>;
  log?: (line: string) => void;
}

export interface RestoreSummary {
  manifest: BackupManifest;
  /** Where what the home held before was moved, when it held anything. */
  replaced: string | null;
}

/**
 * What a home holds that a restore replaces: not a platform disk's `lost+found`, not the logs (this
 * machine's history goes on), not the restore's own files.
 */
function occupied(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((n) => n !== "lost+found" && n !== "logs" && !n.startsWith(".restore-"));
}

const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]{0,213}$/;
const EXACT = /^\d{1,9}\.\d{1,9}\.\d{1,9}(-[0-9A-Za-z.-]{1,40})?$/;
const TARBALL = /^(file:)?\/[^\0\n]*\.tgz$/;

const restoreRefused = (why: string) =>
  new HubError("unprocessable", "package_unavailable", `${why}; nothing was changed`);

/**
 * Points the modules project at packages that exist on this machine: a dependency installed from a
 * tarball path that is not here (the backup came from another machine) is taken from the same-named
 * tarball in this machine's module source, or from its registry at the version the backup had.
 */
async function relinkPackages(
  modules: string,
  manifest: BackupManifest,
  source: () => Promise<ModuleSource>,
) {
  const file = join(modules, "package.json");
  if (!existsSync(file)) return undefined;
  let pkg: { dependencies?: Record<string, unknown> };
  try {
    pkg = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw restoreRefused("its modules/package.json is not JSON");
  }
  const deps = pkg.dependencies ?? {};
  let src: ModuleSource | null = null;
  for (const [name, spec] of Object.entries(deps)) {
    // What `parachute install` writes: an exact version from a registry, or a tarball's path.
    if (!PACKAGE_NAME.test(name) || typeof spec !== "string" || !(EXACT.test(spec) || TARBALL.test(spec)))
      throw restoreRefused(
        `its modules/package.json asks for ${JSON.stringify(name)}: ${JSON.stringify(spec)}`,
      );
    const path = spec.replace(/^file:/, "");
    if (!isAbsolute(path) || existsSync(path)) continue;
    src ??= await source();
    const here = src.kind === "folder" ? join(src.dir, basename(path)) : null;
    const version = manifest.modules.find((m) => m.package === name)?.version;
    if (here && existsSync(here)) deps[name] = here;
    else if (version && src.kind === "registry") deps[name] = version;
    else
      throw new HubError(
        "unprocessable",
        "package_unavailable",
        `${name} was installed from ${path}, which is not on this machine, nor in ${src.kind === "folder" ? src.dir : src.url}; set PARACHUTE_MODULE_SOURCE to where it is; nothing was changed`,
      );
  }
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  return src?.kind === "registry" ? src.url : undefined;
}

/**
 * Fits services.json to this machine: paths recorded under the backup's home move to this home (each
 * module's install folder), a source folder that is not here is dropped, and a module whose port
 * something here already listens on (the home it came from, on the same machine) gets a free one.
 */
async function fitServices(
  staged: string,
  from: string,
  to: string,
  env: Record<string, string | undefined>,
): Promise<void> {
  const file = join(staged, "services.json");
  if (!existsSync(file)) return;
  const doc = readServices(file);
  const isFree = async (p: number) => (await findSquatter(p)) === null;
  const taken = new Set(doc.services.map((r) => r.port));
  for (const row of doc.services) {
    if (row.installDir === from || row.installDir.startsWith(`${from}/`))
      row.installDir = to + row.installDir.slice(from.length);
    // A module run from a folder outside the home (installed in place) is not in the backup: its
    // code must already be here, or whoever could create that folder would choose what runs.
    else if (!existsSync(join(row.installDir, ".parachute", "module.json")))
      throw restoreRefused(
        `${row.name} ran from ${row.installDir}, outside the home, which the backup does not hold and this machine does not have; install it there first`,
      );
    if (row.source?.startsWith("/") && !existsSync(row.source)) delete row.source;
    if (!(await isFree(row.port))) {
      taken.delete(row.port);
      row.port = await assignPort(row.port, taken, isFree, portMode(env));
      taken.add(row.port);
    }
  }
  writeServices(file, doc);
}

/**
 * Brings a home to the state a backup holds. The archive is unpacked and proven whole inside the
 * home, the modules are reinstalled there from its lockfile, and only then does anything move into
 * place: a damaged archive, a missing package or a full disk leaves the home as it was. The hub must
 * not be running on this home (the caller checks).
 */
export async function restoreBackup(file: string, home: Home, opts: RestoreOptions): Promise<RestoreSummary> {
  const madeHome = !existsSync(home.root);
  mkdirSync(home.root, { recursive: true, mode: 0o700 });
  const staging = join(home.root, `.restore-${randomBytes(6).toString("hex")}`);
  let restored = false;
  try {
    const manifest = await extractBackup(file, staging, opts.hubVersion);
    const held = occupied(home.root);
    if (held.length && !opts.force)
      throw new HubError(
        "conflict",
        "home_not_empty",
        `${home.root} already holds ${held.slice(0, 3).join(", ")}${held.length > 3 ? ", …" : ""}; restore into an empty home, or add --force to replace it (what it holds is kept in ${home.root}/.restore-replaced-<time>)`,
      );
    const staged = join(staging, HOME_DIR);
    await fitServices(staged, manifest.home, home.root, opts.env);
    const registry = await relinkPackages(join(staged, "modules"), manifest, defaultSource(opts.env));
    if (existsSync(join(staged, "modules", "package.json"))) {
      opts.log?.("reinstalling the modules from the backup's lockfile");
      await installProject(join(staged, "modules"), registry);
    }
    // What the replaced hub revoked since the backup stays revoked.
    if (held.includes("hub.db")) {
      try {
        carryRevocations(join(staged, "hub.db"), home.hubDb, Date.now());
      } catch (err) {
        opts.log?.(
          `the replaced hub.db could not be read (${(err as Error).message}); nothing of it was carried over`,
        );
      }
    }
    let replaced: string | null = null;
    if (held.length) {
      replaced = join(home.root, `.restore-replaced-${new Date().toISOString().replace(/[:.]/g, "-")}`);
      mkdirSync(replaced, { mode: 0o700 });
      for (const name of held) renameSync(join(home.root, name), join(replaced, name));
    }
    for (const name of readdirSync(staged)) renameSync(join(staged, name), join(home.root, name));
    restored = true;
    return { manifest, replaced };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOSPC")
      throw new HubError("storage_full", "disk_full", "the disk is full; nothing was restored");
    throw err;
  } finally {
    rmSync(staging, { recursive: true, force: true });
    // A refused restore leaves no trace, not even the home folder it made.
    if (madeHome && !restored) rmSync(home.root, { recursive: true, force: true });
  }
}
