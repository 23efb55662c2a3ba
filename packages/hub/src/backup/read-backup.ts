import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { HubError } from "../errors.ts";
import { compareVersions } from "../platform/hub-versions.ts";
import { type BackupManifest, FORMAT, FORMAT_VERSION, HOME_DIR, MANIFEST, sha256Of } from "./format.ts";

const damaged = (why: string) =>
  new HubError(
    "invalid",
    "damaged_backup",
    `this is not a whole Parachute backup: ${why}; nothing was changed`,
  );

async function tar(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn(["tar", ...args], { stdout: "pipe", stderr: "pipe", env: { LC_ALL: "C" } });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, out, err };
}

/**
 * Checks what the archive would create before anything is extracted: only folders and regular files
 * (no links, devices or FIFOs, which could reach outside), and only `manifest.json` and `home/…`
 * with no `..` or absolute names.
 */
async function checkEntries(file: string): Promise<void> {
  const names = await tar(["-tzf", file]);
  const long = await tar(["-tvzf", file]);
  if (names.code !== 0 || long.code !== 0) throw damaged("it cannot be read as a gzipped tar");
  const list = names.out.split("\n").filter(Boolean);
  const kinds = long.out
    .split("\n")
    .filter(Boolean)
    .map((l) => l[0]);
  if (list.length !== kinds.length || list.length === 0) throw damaged("its list of files cannot be read");
  list.forEach((name, i) => {
    const clean = name.replace(/^\.\//, "").replace(/\/$/, "");
    const parts = clean.split("/");
    const placed = clean === MANIFEST || parts[0] === HOME_DIR;
    if (!placed || name.startsWith("/") || parts.includes("..") || /[\0\n\\]/.test(name))
      throw damaged(`it names ${JSON.stringify(name.slice(0, 100))}`);
    if (kinds[i] !== "-" && kinds[i] !== "d") throw damaged(`${clean} is not a plain file or folder`);
  });
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
  return m;
}

/**
 * Extracts a backup into `staging` (an empty folder it creates) and proves it whole: every file the
 * manifest lists is there with its size and SHA-256, and there is nothing it does not list. Throws
 * `damaged_backup` otherwise; the caller removes `staging`.
 */
export async function extractBackup(
  file: string,
  staging: string,
  hubVersion: string,
): Promise<BackupManifest> {
  if (!existsSync(file) || !lstatSync(file).isFile())
    throw new HubError("invalid", "no_backup", `${file} is not a file; nothing was changed`);
  await checkEntries(file);
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  const x = await tar(["-xzf", file, "-C", staging, "--no-same-owner", "--no-same-permissions"]);
  if (x.code !== 0) {
    if (/No space left/i.test(x.err))
      throw new HubError("storage_full", "disk_full", "the disk is full; nothing was restored");
    throw damaged("it could not be unpacked whole");
  }
  if (!existsSync(join(staging, MANIFEST))) throw damaged("it has no manifest");
  const manifest = parseManifest(readFileSync(join(staging, MANIFEST), "utf8"));
  if (compareVersions(manifest.hub_version, hubVersion) > 0)
    throw new HubError(
      "unprocessable",
      "backup_too_new",
      `this backup was taken by hub ${manifest.hub_version}, newer than this one (${hubVersion}); upgrade the hub first`,
    );
  const home = join(staging, HOME_DIR);
  const present = new Set(existsSync(home) ? walk(home) : []);
  for (const f of manifest.files) {
    const path = join(home, f.path);
    if (typeof f.path !== "string" || f.path.split("/").includes("..") || !present.has(f.path))
      throw damaged(`${String(f.path).slice(0, 100)} is missing`);
    present.delete(f.path);
    if (lstatSync(path).size !== f.size || (await sha256Of(path)) !== f.sha256)
      throw damaged(`${f.path} does not match its checksum`);
  }
  if (present.size) throw damaged(`${[...present][0]} is not in its manifest`);
  if (!manifest.files.some((f) => f.path === "hub.db")) throw damaged("it holds no hub.db");
  return manifest;
}
