import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SERVER = join(import.meta.dir, "fixture-server.ts");

export interface FixtureOptions {
  name: string;
  port?: number;
  version?: string;
  paths?: string[];
  websocket?: boolean;
  stripPrefix?: boolean;
  dependsOn?: string[];
  startTimeoutMs?: number;
  stopGraceMs?: number;
  memoryLimitMb?: number;
  /** Reachable without a login (the default, so proxy tests need no credentials); false for auth tests. */
  public?: boolean;
  /** The module issues bearer tokens of its own (the hub passes them through). */
  ownTokens?: boolean;
  /** Scopes of other modules it calls them with (the hub gives it a service token). */
  needs?: string[];
  /** Overrides the manifest wholesale (for bad-manifest tests). */
  manifest?: Record<string, unknown>;
}

/** Writes a fixture module package (package.json + manifest) into `parent/<name>` and returns its folder. */
export function makeFixture(parent: string, o: FixtureOptions): string {
  const dir = join(parent, o.name);
  mkdirSync(join(dir, ".parachute"), { recursive: true });
  const mount = o.paths?.[0] ?? `/${o.name}`;
  const manifest = o.manifest ?? {
    name: o.name,
    manifestName: `parachute-${o.name}`,
    displayName: `Fixture ${o.name}`,
    tagline: "a module for tests",
    port: o.port ?? 1947,
    paths: o.paths ?? [mount],
    health: o.stripPrefix ? "/health" : `${mount}/health`,
    startCmd: ["bun", SERVER],
    scopes: [`${o.name}:read`, `${o.name}:write`, `${o.name}:admin`],
    ...(o.websocket ? { websocket: true } : {}),
    ...(o.ownTokens ? { ownTokens: true } : {}),
    ...(o.stripPrefix ? { stripPrefix: true } : {}),
    ...(o.dependsOn ? { dependsOn: o.dependsOn } : {}),
    ...(o.needs ? { needs: o.needs } : {}),
    ...(o.startTimeoutMs ? { startTimeoutMs: o.startTimeoutMs } : {}),
    ...(o.stopGraceMs !== undefined ? { stopGraceMs: o.stopGraceMs } : {}),
    ...(o.memoryLimitMb ? { memoryLimitMb: o.memoryLimitMb } : {}),
    ...(o.public === false ? {} : { publicPaths: [`${mount}/**`, mount] }),
    configSchema: {
      type: "object",
      properties: { greeting: { type: "string" }, apiKey: { type: "string", writeOnly: true } },
    },
  };
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: `fixture-${o.name}`, version: o.version ?? "1.0.0" }),
  );
  writeFileSync(join(dir, ".parachute", "module.json"), JSON.stringify(manifest, null, 2));
  return dir;
}

/**
 * Turns a fixture's misbehaviour marker on (`crash`, `nobind`, `unready`, `ignore-term`, `hog`,
 * `grandchild`, `orphans`, `longline`, …).
 */
export function setMarker(home: string, name: string, marker: string, on = true): void {
  mkdirSync(join(home, name), { recursive: true });
  const file = join(home, name, marker);
  if (on) writeFileSync(file, "");
  else rmSync(file, { force: true });
}

/**
 * Packs a fixture as an `npm pack`-style tarball named as npm would (`fixture-<name>-<version>.tgz`)
 * into `outDir`, so a folder of them is a module source; returns its path.
 */
export function fixtureTarball(outDir: string, o: FixtureOptions): string {
  const work = mkdtempSync(join(tmpdir(), "fixture-pack-"));
  renameSync(makeFixture(work, o), join(work, "package"));
  const tgz = join(outDir, `fixture-${o.name}-${o.version ?? "1.0.0"}.tgz`);
  const tar = Bun.spawnSync(["tar", "-czf", tgz, "-C", work, "package"], { stderr: "pipe" });
  rmSync(work, { recursive: true, force: true });
  if (tar.exitCode !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  return tgz;
}
