import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { join } from "node:path";
import { type Manifest, ManifestError, readManifest, type ServiceRow } from "@parachute/module-kit";
import { HubError } from "../errors.ts";

/** A module package found on disk, ready to be registered. */
export interface LocalPackage {
  dir: string;
  manifest: Manifest;
  version: string;
  /** Removes what the install unpacked, when it has to be undone. */
  discard(): void;
}

function badInput(message: string): HubError {
  return new HubError("unprocessable", "invalid_package", message);
}

async function describe(dir: string, discard: () => void): Promise<LocalPackage> {
  let manifest: Manifest;
  try {
    manifest = await readManifest(dir);
  } catch (err) {
    discard();
    if (err instanceof ManifestError) throw badInput(err.message);
    throw err;
  }
  let version = "0.0.0";
  try {
    version = String(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version ?? version);
  } catch {
    discard();
    throw badInput(`${dir} has no readable package.json`);
  }
  return { dir, manifest, version, discard };
}

/**
 * Opens a local module package: a folder is used in place (like a link); a `.tgz` made by
 * `npm pack` / `bun pm pack` is unpacked into `<modulesDir>/local/<name>`.
 */
export async function openLocalPackage(path: string, modulesDir: string): Promise<LocalPackage> {
  if (!path.startsWith("/")) throw new HubError("invalid", "bad_path", "the package path must be absolute");
  if (!existsSync(path)) throw new HubError("invalid", "bad_path", `${path} does not exist`);
  if (statSync(path).isDirectory()) return describe(path, () => {});
  if (!/\.(tgz|tar\.gz)$/.test(path)) throw badInput(`${path} is neither a folder nor a .tgz package`);

  const localDir = join(modulesDir, "local");
  const staging = mkdtempSync(join(modulesDir, ".unpack-"));
  const cleanup = () => rmSync(staging, { recursive: true, force: true });
  // Modes as an ordinary user would get them: no set-user-id file lands in the home when run as root.
  const tar = Bun.spawn(["tar", "-xzf", path, "-C", staging, "--no-same-owner", "--no-same-permissions"], {
    stdout: "ignore",
    stderr: "pipe",
  });
  const [tarErr, tarCode] = await Promise.all([new Response(tar.stderr).text(), tar.exited]);
  if (tarCode !== 0) {
    cleanup();
    throw badInput(`could not unpack ${path}: ${tarErr.trim()}`);
  }
  // The package must be in the archive, not a link out of it to a folder elsewhere.
  const root = join(staging, "package");
  if (!existsSync(root) || !lstatSync(root).isDirectory()) {
    cleanup();
    throw badInput(`${path} holds no package/ folder (npm pack makes one)`);
  }
  const unpacked = await describe(root, cleanup);
  const finalDir = join(localDir, unpacked.manifest.name);
  if (existsSync(finalDir)) {
    cleanup();
    throw new HubError(
      "conflict",
      "already_installed",
      `${unpacked.manifest.name} is already unpacked at ${finalDir}`,
    );
  }
  mkdirSync(localDir, { recursive: true });
  renameSync(join(staging, "package"), finalDir);
  cleanup();
  const remove = () => rmSync(finalDir, { recursive: true, force: true });
  return { ...unpacked, dir: finalDir, discard: remove };
}

/** Staging folders of a tarball unpack, and unpacked tarballs no row points at, are debris. */
export function sweepUnpacked(modulesDir: string, rows: ServiceRow[]): void {
  if (!existsSync(modulesDir)) return;
  for (const f of readdirSync(modulesDir)) {
    if (f.startsWith(".unpack-")) rmSync(join(modulesDir, f), { recursive: true, force: true });
  }
  const local = join(modulesDir, "local");
  if (!existsSync(local)) return;
  const used = new Set(rows.map((r) => r.installDir));
  for (const f of readdirSync(local)) {
    if (!used.has(join(local, f))) rmSync(join(local, f), { recursive: true, force: true });
  }
}
