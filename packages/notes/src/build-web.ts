#!/usr/bin/env bun
/**
 * Builds the notes web app (React + Vite) into `dist/web`, only when its sources changed since the
 * last build: the pack step runs it, and so does the server when started from a source checkout, so
 * nobody builds by hand. The build lands in a fresh folder that replaces the old one in one rename,
 * so a server never serves half a build.
 *
 *   bun src/build-web.ts [--force]
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const web = join(root, "web");
const out = join(root, "dist", "web");
const STAMP = ".built";

/** The newest change among the app's sources and the design system it draws on. */
function newestSource(): number {
  let newest = statSync(join(root, "package.json")).mtimeMs;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === "node_modules") continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(web);
  const design = join(root, "..", "design");
  if (existsSync(design)) walk(design);
  return newest;
}

/** Whether `dist/web` is older than the sources (or missing). */
export function webIsStale(): boolean {
  const stamp = join(out, STAMP);
  return !existsSync(stamp) || statSync(stamp).mtimeMs < newestSource();
}

/** Builds into `dist/web` when stale (or `force`); returns whether it built. */
export async function buildWeb(force = false): Promise<boolean> {
  if (!force && !webIsStale()) return false;
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
  const built = await buildWeb(process.argv.includes("--force"));
  console.log(built ? `notes: web app built into ${out}` : "notes: web app is up to date");
}
