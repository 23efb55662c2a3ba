#!/usr/bin/env bun
/**
 * Builds a package's web app (React + Vite, in `<package>/web`) into `<package>/dist/web`, only when
 * its sources (or the shared design system) changed since the last build. `npm ci` runs it for the
 * admin app (the hub serves that build), the pack step for every web app, and the notes server when
 * started from a source checkout: nobody builds by hand. The build lands in a fresh folder that
 * replaces the old one in one rename, so a server never serves half a build.
 *
 *   bun scripts/build-web.ts <package folder>… [--force]
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const STAMP = ".built";
const DESIGN = join(import.meta.dir, "..", "packages", "design");

/** The newest change among a package's web sources, its package.json and the design system. */
function newestSource(root: string): number {
  let newest = statSync(join(root, "package.json")).mtimeMs;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === "node_modules") continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(root, "web"));
  if (existsSync(DESIGN)) walk(DESIGN);
  return newest;
}

/** Whether a package's `dist/web` is older than its sources (or missing). */
function webIsStale(root: string): boolean {
  const stamp = join(root, "dist", "web", STAMP);
  return !existsSync(stamp) || statSync(stamp).mtimeMs < newestSource(root);
}

/** Builds a package's web app into its `dist/web` when stale (or `force`); returns whether it built. */
export async function buildWeb(root: string, force = false): Promise<boolean> {
  if (!force && !webIsStale(root)) return false;
  const web = join(root, "web");
  const out = join(root, "dist", "web");
  const { build } = await import("vite");
  const fresh = `${out}-${process.pid}-${Date.now()}`;
  await build({ configFile: join(web, "vite.config.ts"), build: { outDir: fresh } });
  writeFileSync(join(fresh, STAMP), new Date().toISOString());
  // Another build may have finished first; either result is whole.
  rmSync(out, { recursive: true, force: true });
  try {
    renameSync(fresh, out);
  } catch {
    rmSync(fresh, { recursive: true, force: true });
  }
  return true;
}

if (import.meta.main) {
  const force = process.argv.includes("--force");
  for (const dir of process.argv.slice(2).filter((a) => a !== "--force")) {
    const root = resolve(dir);
    const built = await buildWeb(root, force);
    console.log(built ? `web app built into ${join(root, "dist", "web")}` : `${dir}: web app is up to date`);
  }
}
