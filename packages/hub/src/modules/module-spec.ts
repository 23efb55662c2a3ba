import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Manifest, parseDotEnv, type ServiceRow } from "@parachute/module-kit";
import { serviceTokenFile } from "../identity/service-tokens.ts";
import type { ModuleSpec } from "../supervisor/module-runner.ts";
import { DEFAULT_POLICY } from "../supervisor/restart-policy.ts";

/** Variables a module inherits from the hub's environment; nothing else of the hub's leaks to it. */
const INHERITED = [
  "PATH",
  "HOME",
  "USER",
  "LANG",
  "LC_ALL",
  "TZ",
  "TMPDIR",
  "TERM",
  "NODE_ENV",
  "XDG_RUNTIME_DIR",
];

export interface SpecContext {
  home: string;
  hubOrigin: string;
  /** The hub on loopback, where modules fetch keys and revocations. */
  hubUrl: string;
  hubEnv: Record<string, string | undefined>;
}

/** Builds what the supervisor runs from a services.json row and the package's manifest. */
export function moduleSpec(row: ServiceRow, manifest: Manifest, ctx: SpecContext): ModuleSpec {
  const env: Record<string, string> = {};
  for (const k of INHERITED) {
    const v = ctx.hubEnv[k];
    if (v !== undefined) env[k] = v;
  }
  const dotEnv = join(ctx.home, row.name, ".env");
  if (existsSync(dotEnv)) Object.assign(env, parseDotEnv(readFileSync(dotEnv, "utf8")));
  Object.assign(env, {
    PORT: String(row.port),
    PARACHUTE_HOME: ctx.home,
    PARACHUTE_HUB_ORIGIN: ctx.hubOrigin,
    PARACHUTE_HUB_URL: ctx.hubUrl,
    PARACHUTE_MODULE: row.name,
  });
  if (manifest.needs?.length) env.PARACHUTE_SERVICE_TOKEN_FILE = serviceTokenFile(ctx.home, row.name);
  return {
    short: row.name,
    manifestName: row.manifestName,
    version: row.version,
    port: row.port,
    cwd: row.installDir,
    argv: manifest.startCmd,
    env,
    healthUrl: `http://127.0.0.1:${row.port}${manifest.health}`,
    ...(manifest.paths[0] ? { url: `${ctx.hubOrigin}${manifest.paths[0]}` } : {}),
    policy: {
      ...DEFAULT_POLICY,
      ...(manifest.startTimeoutMs !== undefined ? { startTimeoutMs: manifest.startTimeoutMs } : {}),
      ...(manifest.stopGraceMs !== undefined ? { stopGraceMs: manifest.stopGraceMs } : {}),
    },
    dependsOn: manifest.dependsOn ?? [],
    memoryLimitMb: manifest.memoryLimitMb,
  };
}

/** The row install writes for a package. */
export function rowFor(manifest: Manifest, version: string, installDir: string, port: number): ServiceRow {
  return {
    name: manifest.name,
    manifestName: manifest.manifestName,
    port,
    paths: manifest.paths,
    health: manifest.health,
    version,
    installDir,
    ...(manifest.displayName ? { displayName: manifest.displayName } : {}),
    ...(manifest.stripPrefix ? { stripPrefix: true } : {}),
    ...(manifest.websocket ? { websocket: true } : {}),
    enabled: true,
  };
}
