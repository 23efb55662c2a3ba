import { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { readServices } from "@parachute/module-kit";
import { HubError } from "../errors.ts";
import type { Home } from "../platform/home.ts";
import {
  type BackupFile,
  type BackupManifest,
  FORMAT,
  FORMAT_VERSION,
  HOME_DIR,
  isSqliteHeader,
  MANIFEST,
  NOT_STATE,
  sha256Of,
} from "./format.ts";

export interface BackupSummary {
  file: string;
  bytes: number;
  manifest: BackupManifest;
}

/** SQLite's own files beside a database: part of it, copied by SQLite through the database itself. */
const SQLITE_SIDE = /-(wal|shm|journal)$/;

function isSqlite(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const head = new Uint8Array(16);
    return readSync(fd, head, 0, 16, 0) === 16 && isSqliteHeader(head);
  } finally {
    closeSync(fd);
  }
}

/**
 * A consistent copy of a live database: `VACUUM INTO` reads one snapshot (a read transaction, which
 * WAL lets writers go on beside) and writes a whole new file, with no WAL of its own.
 */
function copyDatabase(from: string, to: string): void {
  const db = new Database(from, { readwrite: true, create: false });
  try {
    db.exec("PRAGMA busy_timeout = 10000");
    db.exec(`VACUUM INTO '${to.replaceAll("'", "''")}'`);
  } finally {
    db.close();
  }
}

/** What a backup holds of a home: hub.db, services.json, operator.token, the modules project, module data. */
function stateEntries(home: Home): string[] {
  const shorts = readServices(home.services).services.map((r) => r.name);
  const wanted = ["hub.db", "services.json", "operator.token", ...shorts];
  return wanted.filter((name) => !NOT_STATE.has(name) && existsSync(join(home.root, name)));
}

/**
 * Whether a database is in use, so only SQLite itself may copy it: a write-ahead log or a rollback
 * journal beside it. Anything else that merely looks like a database (a file a user stored) is
 * copied byte for byte.
 */
function liveDatabase(path: string): boolean {
  return (existsSync(`${path}-wal`) || existsSync(`${path}-journal`)) && isSqlite(path);
}

/** Copies `rel` (a file or folder of the home) into the staging copy of the home. */
function copyEntry(home: string, staged: string, rel: string): void {
  const from = join(home, rel);
  const to = join(staged, rel);
  const st = lstatSync(from);
  if (st.isSymbolicLink()) return; // a link may point anywhere: not the home's state
  if (st.isDirectory()) {
    mkdirSync(to, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(from)) {
      if (name.startsWith(".restore-") || name.startsWith(".backup-")) continue;
      if (name === ".cache" && rel === "modules") continue;
      copyEntry(home, staged, join(rel, name));
    }
    return;
  }
  if (!st.isFile() || (SQLITE_SIDE.test(rel) && existsSync(from.replace(SQLITE_SIDE, "")))) return;
  mkdirSync(dirname(to), { recursive: true, mode: 0o700 });
  try {
    if (liveDatabase(from)) copyDatabase(from, to);
    else copyFileSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOSPC") throw err;
    throw new HubError("failed", "backup_failed", `${rel} could not be copied: ${(err as Error).message}`);
  }
  chmodSync(to, st.mode & 0o700);
}

async function listFiles(staged: string, dir = staged, out: BackupFile[] = []): Promise<BackupFile[]> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) await listFiles(staged, path, out);
    else
      out.push({
        path: relative(staged, path),
        size: st.size,
        sha256: await sha256Of(path),
        mode: st.mode & 0o700,
      });
  }
  return out;
}

/** The modules project's installed packages (node_modules) are reinstalled from its lockfile. */
function copyModulesProject(home: Home, staged: string): void {
  if (!existsSync(home.modules)) return;
  for (const name of ["package.json", "bun.lock"]) {
    if (existsSync(join(home.modules, name))) copyEntry(home.root, staged, join("modules", name));
  }
  // Packages installed from a folder or tarball on this machine exist nowhere else.
  if (existsSync(join(home.modules, "local"))) copyEntry(home.root, staged, join("modules", "local"));
}

/**
 * Writes one archive of the home to `out` (mode 0600: it holds the hub's keys and every module's
 * data) while the hub and its modules keep running. The archive is written beside `out` and
 * renamed into place, so `out` is either the whole backup or untouched.
 */
export async function writeBackup(home: Home, out: string, hubVersion: string): Promise<BackupSummary> {
  const staging = join(home.root, `.backup-${randomBytes(6).toString("hex")}`);
  const staged = join(staging, HOME_DIR);
  const partial = `${out}.partial-${randomBytes(4).toString("hex")}`;
  try {
    mkdirSync(staged, { recursive: true, mode: 0o700 });
    for (const rel of stateEntries(home)) copyEntry(home.root, staged, rel);
    copyModulesProject(home, staged);
    const services = readServices(join(staged, "services.json")).services;
    const manifest: BackupManifest = {
      format: FORMAT,
      version: FORMAT_VERSION,
      hub_version: hubVersion,
      created_at: new Date().toISOString(),
      home: home.root,
      modules: services.map((r) => ({ short: r.name, version: r.version, package: r.package ?? null })),
      files: await listFiles(staged),
    };
    writeFileSync(join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    // Owner-only from its first byte: tar writes into this file, keeping its mode.
    closeSync(openSync(partial, "wx", 0o600));
    const tar = Bun.spawn(["tar", "-czf", partial, "-C", staging, MANIFEST, HOME_DIR], {
      stdout: "ignore",
      stderr: "pipe",
    });
    const [code, err] = await Promise.all([tar.exited, new Response(tar.stderr).text()]);
    if (code !== 0)
      throw new HubError("failed", "backup_failed", `writing ${out} failed: ${err.trim().slice(-400)}`);
    chmodSync(partial, 0o600);
    renameSync(partial, out);
    return { file: out, bytes: statSync(out).size, manifest };
  } catch (err) {
    rmSync(partial, { force: true });
    if (err instanceof HubError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOSPC")
      throw new HubError("storage_full", "disk_full", `the disk is full; the backup was not written`);
    throw new HubError("failed", "backup_failed", `the backup failed: ${(err as Error).message}`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
