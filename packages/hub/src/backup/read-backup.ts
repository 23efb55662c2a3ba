import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statfsSync } from "node:fs";
import { join, relative } from "node:path";
import { parseServices } from "@parachute/module-kit";
import { HubError } from "../errors.ts";
import { compareVersions } from "../platform/hub-versions.ts";
import { type BackupManifest, FORMAT, FORMAT_VERSION, HOME_DIR, MANIFEST, sha256Of } from "./format.ts";

const damaged = (why: string) =>
  new HubError(
    "invalid",
    "damaged_backup",
    `this is not a whole Parachute backup: ${why}; nothing was changed`,
  );

/** How long reading an archive may take (a listing decompresses all of it). */
const TAR_DEADLINE_MS = 10 * 60 * 1000;

/** How many times larger than its archive a backup may unpack to. */
const MAX_RATIO = 200;

/** What the home of a backup may hold at its top: what `parachute backup` writes, nothing else. */
const STATE_FILES = new Set(["hub.db", "services.json", "operator.token"]);
const MODULES_PROJECT = new Set(["package.json", "bun.lock", "local"]);

async function tar(args: string[]): Promise<{ code: number; out: string; err: string }> {
  // Names exactly as stored (not escaped), one per line: a name with a newline breaks the count.
  const proc = Bun.spawn(["tar", "--quoting-style=literal", ...args], {
    stdout: "pipe",
    stderr: "pipe",
    env: { LC_ALL: "C" },
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), TAR_DEADLINE_MS);
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]).finally(() => clearTimeout(timer));
  return { code, out, err };
}

interface Entry {
  name: string;
  kind: string;
  size: number;
}

/**
 * What the archive would create, read before anything is extracted: only folders and regular files
 * (no links, devices or FIFOs, which could reach outside), and only `manifest.json` and `home/…`
 * with no `..` or absolute names.
 */
async function listEntries(file: string): Promise<Entry[]> {
  const names = await tar(["-tzf", file]);
  const long = await tar(["-tvzf", file]);
  if (names.code !== 0 || long.code !== 0) throw damaged("it cannot be read as a gzipped tar");
  const list = names.out.split("\n").filter(Boolean);
  const lines = long.out.split("\n").filter(Boolean);
  if (list.length !== lines.length || list.length === 0) throw damaged("its list of files cannot be read");
  return list.map((name, i) => {
    const clean = name.replace(/^\.\//, "").replace(/\/$/, "");
    const parts = clean.split("/");
    const placed = clean === MANIFEST || parts[0] === HOME_DIR;
    if (!placed || name.startsWith("/") || parts.includes("..") || /[\0\n]/.test(name))
      throw damaged(`it names ${JSON.stringify(name.slice(0, 100))}`);
    const kind = lines[i]![0]!;
    if (kind !== "-" && kind !== "d") throw damaged(`${clean} is not a plain file or folder`);
    return { name: clean, kind, size: Number(lines[i]!.split(/\s+/)[2]) };
  });
}

function parseManifest(text: string): BackupManifest {
  let m: BackupManifest;
  try {
    m = JSON.parse(text) as BackupManifest;
  } catch {
    throw damaged("its manifest is not JSON");
  }
  if (m?.format !== FORMAT || typeof m.version !== "number")
    throw damaged("its manifest is not a Parachute backup's");
  if (m.version > FORMAT_VERSION)
    throw new HubError(
      "unprocessable",
      "backup_too_new",
      `this backup has format ${m.version}; upgrade the hub to restore it`,
    );
  if (!Array.isArray(m.files) || !Array.isArray(m.modules) || typeof m.hub_version !== "string")
    throw damaged("its manifest lacks files, modules or the hub's version");
  for (const f of m.files) {
    if (typeof f?.path !== "string" || typeof f.size !== "number" || typeof f.sha256 !== "string")
      throw damaged("its manifest lists a file without a path, size or checksum");
  }
  return m;
}

/**
 * Holds the listing to the manifest before anything is written: every file listed there with the
 * same size, no more than a backup could pack into this archive, and all of it fitting in the disk's
 * free space — so a decompression bomb or a sparse giant costs a read of the archive, never the disk
 * nor the minutes a checksum of it would take.
 */
function checkAgainstManifest(
  entries: Entry[],
  manifest: BackupManifest,
  disk: string,
  packed: number,
): void {
  const sizes = new Map(manifest.files.map((f) => [`${HOME_DIR}/${f.path}`, f.size]));
  let total = 0;
  for (const e of entries) {
    if (e.kind !== "-" || e.name === MANIFEST) continue;
    if (sizes.get(e.name) !== e.size)
      throw damaged(`${e.name.slice(HOME_DIR.length + 1)} is not in its manifest as it is`);
    total += e.size;
  }
  // Notes, databases and audio pack a few times smaller at most; zeros pack a thousand times.
  if (total > packed * MAX_RATIO + 64 * 1048576)
    throw damaged(
      `it would unpack to ${Math.ceil(total / 1048576)} MB from ${Math.ceil(packed / 1048576)} MB, far more than a backup does`,
    );
  const fs = statfsSync(disk);
  if (total > fs.bavail * fs.bsize)
    throw new HubError(
      "storage_full",
      "disk_full",
      `the backup holds ${Math.ceil(total / 1048576)} MB, more than the disk has free; nothing was changed`,
    );
}

function walk(dir: string, out: string[] = [], root = dir): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory()) walk(path, out, root);
    else if (st.isFile()) out.push(relative(root, path));
    else throw damaged(`${relative(root, path)} is not a plain file`);
  }
  return out;
}

/** Only what a backup writes may come back: state files, the modules project, installed modules' data. */
function checkShape(home: string): void {
  let shorts = new Set<string>();
  if (existsSync(join(home, "services.json"))) {
    try {
      shorts = new Set(
        parseServices("services.json", readFileSync(join(home, "services.json"), "utf8")).services.map(
          (r) => r.name,
        ),
      );
    } catch (err) {
      throw damaged((err as Error).message);
    }
  }
  for (const name of readdirSync(home)) {
    if (STATE_FILES.has(name)) {
      if (!lstatSync(join(home, name)).isFile()) throw damaged(`${name} is not a file`);
    } else if (name === "modules") {
      for (const part of readdirSync(join(home, name)))
        if (!MODULES_PROJECT.has(part)) throw damaged(`modules/${part} is not something a backup holds`);
    } else if (!shorts.has(name) || !lstatSync(join(home, name)).isDirectory()) {
      throw damaged(`${name} is not something a backup holds`);
    }
  }
}

/**
 * Extracts a backup into `staging` (an empty folder it creates) and proves it whole: every file the
 * manifest lists is there with its size and SHA-256, there is nothing it does not list, and nothing
 * a backup does not hold. Throws `damaged_backup` otherwise; the caller removes `staging`.
 */
export async function extractBackup(
  file: string,
  staging: string,
  hubVersion: string,
): Promise<BackupManifest> {
  if (!existsSync(file) || !lstatSync(file).isFile())
    throw new HubError("invalid", "no_backup", `${file} is not a file; nothing was changed`);
  const entries = await listEntries(file);
  if (entries.filter((e) => e.name === MANIFEST && e.kind === "-").length !== 1)
    throw damaged("it has no manifest");
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  const untar = async (...only: string[]) => {
    const x = await tar(["-xzf", file, "-C", staging, "--no-same-owner", "--no-same-permissions", ...only]);
    if (x.code === 0) return;
    if (/No space left|Wrote only|Disk quota/i.test(x.err))
      throw new HubError("storage_full", "disk_full", "the disk is full; nothing was restored");
    throw damaged("it could not be unpacked whole");
  };
  await untar(MANIFEST);
  const manifest = parseManifest(readFileSync(join(staging, MANIFEST), "utf8"));
  if (compareVersions(manifest.hub_version, hubVersion) > 0)
    throw new HubError(
      "unprocessable",
      "backup_too_new",
      `this backup was taken by hub ${manifest.hub_version}, newer than this one (${hubVersion}); upgrade the hub first`,
    );
  checkAgainstManifest(entries, manifest, staging, lstatSync(file).size);
  await untar();
  const home = join(staging, HOME_DIR);
  if (!existsSync(home) || !lstatSync(home).isDirectory()) throw damaged("it holds no home");
  const present = new Set(walk(home));
  for (const f of manifest.files) {
    const path = join(home, f.path);
    if (f.path.split("/").includes("..") || !present.has(f.path))
      throw damaged(`${f.path.slice(0, 100)} is missing`);
    present.delete(f.path);
    if (lstatSync(path).size !== f.size || (await sha256Of(path)) !== f.sha256)
      throw damaged(`${f.path} does not match its checksum`);
  }
  if (present.size) throw damaged(`${[...present][0]} is not in its manifest`);
  if (!manifest.files.some((f) => f.path === "hub.db")) throw damaged("it holds no hub.db");
  checkShape(home);
  return manifest;
}
