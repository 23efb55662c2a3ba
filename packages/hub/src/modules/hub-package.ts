import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HubError } from "../errors.ts";
import type { Progress } from "../operations/operation.ts";
import { compareVersions, hubDir, readHubPointer, writeHubPointer } from "../platform/hub-versions.ts";
import { HUB_VERSION } from "../version.ts";
import { addPackage, type RunOptions } from "./installer.ts";
import type { ModuleSource } from "./sources.ts";

export const HUB_PACKAGE = "@parachute/hub";

/**
 * Installs a hub version into `$PARACHUTE_HOME/hub/<version>` (its own Bun project, so the running
 * one is never touched), checks that it runs, and points `hub/current.json` at it. Versions other
 * than the new one and the one it replaces are removed. Returns the new version, or null when it is
 * the one already running.
 */
export async function installHub(
  homeRoot: string,
  want: string,
  source: ModuleSource,
  progress: Progress & { id: string },
  launcherVersion: string,
  guard?: RunOptions["guard"],
): Promise<string | null> {
  const root = hubDir(homeRoot);
  const staging = join(root, `.staging-${progress.id}`);
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(
      join(staging, "package.json"),
      `${JSON.stringify({ name: "parachute-hub-home", private: true })}\n`,
    );
    progress.step("fetch", `fetching ${HUB_PACKAGE}@${want}`);
    const { dir, version } = await addPackage(staging, { name: HUB_PACKAGE, want }, source, {
      log: (l) => progress.log(l),
      guard,
    });
    if (version === HUB_VERSION) {
      progress.step("check", `hub ${version} is already running`);
      return null;
    }
    if (compareVersions(version, launcherVersion) <= 0) {
      throw new HubError(
        "unprocessable",
        "not_newer",
        `hub ${version} is not newer than ${launcherVersion}, the hub \`parachute serve\` starts from, so it would never run`,
      );
    }
    const bin = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).bin?.parachute;
    if (typeof bin !== "string" || !existsSync(join(dir, bin)))
      throw new HubError(
        "unprocessable",
        "invalid_package",
        `${HUB_PACKAGE}@${version} has no parachute command`,
      );
    progress.step("check", `checking that hub ${version} runs`);
    const probe = Bun.spawn([process.execPath, join(dir, bin), "version"], {
      env: { PATH: process.env.PATH ?? "" },
      stdout: "pipe",
      stderr: "pipe",
      timeout: 30_000,
    });
    const [said, err, code] = await Promise.all([
      new Response(probe.stdout).text(),
      new Response(probe.stderr).text(),
      probe.exited,
    ]);
    if (code !== 0 || said.trim() !== version) {
      throw new HubError(
        "unprocessable",
        "invalid_package",
        `hub ${version} does not run: ${err.trim().slice(-400)}`,
      );
    }
    const final = join(root, version);
    rmSync(final, { recursive: true, force: true });
    renameSync(staging, final);
    const before = readHubPointer(homeRoot);
    const entry = join(final, "node_modules", HUB_PACKAGE, bin);
    const previous =
      before?.version === HUB_VERSION ? { version: before.version, entry: before.entry } : null;
    writeHubPointer(homeRoot, { version, entry, previous });
    for (const f of readdirSync(root)) {
      if (f !== version && f !== previous?.version && f !== "current.json")
        rmSync(join(root, f), { recursive: true, force: true });
    }
    return version;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
