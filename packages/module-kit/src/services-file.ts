import { existsSync, readFileSync } from "node:fs";
import { keepBackup, writeFileAtomic } from "./atomic-file.ts";

/** One row of services.json: what the hub needs to route to and start an installed module. */
export interface ServiceRow {
  name: string;
  manifestName: string;
  port: number;
  paths: string[];
  health: string;
  version: string;
  installDir: string;
  displayName?: string;
  stripPrefix?: boolean;
  websocket?: boolean;
  /** false after `parachute stop`, so the module stays down across hub restarts until started again. */
  enabled?: boolean;
  /** The registry package it came from; absent for a local folder or tarball. */
  package?: string;
  /** The local folder or tarball it was installed from; an upgrade reads the new version there. */
  path?: string;
  /** The module source named at install (registry URL or tarball folder); absent means the hub's default. */
  source?: string;
  /** The release channel upgrades follow (a dist-tag such as `latest` or `beta`). */
  channel?: string;
}

export interface ServicesDoc {
  services: ServiceRow[];
}

/** services.json could not be used; `path` and `fix` are shown to the operator as they are. */
export class ServicesFileError extends Error {
  constructor(
    readonly path: string,
    reason: string,
    readonly fix: string,
  ) {
    super(`${path}: ${reason}. ${fix}`);
    this.name = "ServicesFileError";
  }
}

const FIX = "Repair the file by hand, or restore the last good copy from services.json.bak";

function checkRow(path: string, row: unknown, i: number): ServiceRow {
  const bad = (why: string) => new ServicesFileError(path, `services[${i}] ${why}`, FIX);
  if (typeof row !== "object" || row === null || Array.isArray(row)) throw bad("is not an object");
  const r = row as Record<string, unknown>;
  for (const k of ["name", "manifestName", "health", "version", "installDir"]) {
    if (typeof r[k] !== "string" || r[k] === "") throw bad(`field "${k}" must be a non-empty string`);
  }
  // The name is also the module's data folder in the home: a path in it would reach outside.
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(r.name as string)) {
    throw bad('field "name" must be a module short name (a-z, 0-9, -)');
  }
  if (typeof r.port !== "number" || !Number.isInteger(r.port) || r.port < 1 || r.port > 65535) {
    throw bad('field "port" must be an integer port');
  }
  if (!Array.isArray(r.paths) || r.paths.some((p) => typeof p !== "string" || !p.startsWith("/"))) {
    throw bad('field "paths" must be a list of absolute paths');
  }
  return r as unknown as ServiceRow;
}

/** Parses and checks a services.json text: shape, unique names and unique ports. */
export function parseServices(path: string, text: string): ServicesDoc {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ServicesFileError(path, `is not valid JSON (${(err as Error).message})`, FIX);
  }
  if (typeof doc !== "object" || doc === null || !Array.isArray((doc as ServicesDoc).services)) {
    throw new ServicesFileError(path, 'must be an object with a "services" array', FIX);
  }
  const rows = (doc as ServicesDoc).services.map((r, i) => checkRow(path, r, i));
  const byPort = new Map<number, string>();
  const names = new Set<string>();
  for (const r of rows) {
    const other = byPort.get(r.port);
    if (other) {
      throw new ServicesFileError(path, `modules "${other}" and "${r.name}" both claim port ${r.port}`, FIX);
    }
    if (names.has(r.manifestName) || names.has(`name:${r.name}`)) {
      throw new ServicesFileError(path, `"${r.name}" (${r.manifestName}) appears twice`, FIX);
    }
    byPort.set(r.port, r.name);
    names.add(r.manifestName);
    names.add(`name:${r.name}`);
  }
  return { services: rows };
}

/** Reads services.json; a missing file is an empty registry, a bad one is a `ServicesFileError`. */
export function readServices(path: string): ServicesDoc {
  if (!existsSync(path)) return { services: [] };
  return parseServices(path, readFileSync(path, "utf8"));
}

/**
 * Writes services.json atomically after checking the new document, keeping the previous good copy
 * as `.bak`. A current file that no longer parses is never overwritten.
 */
export function writeServices(path: string, doc: ServicesDoc): void {
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  parseServices(path, text);
  if (existsSync(path)) {
    parseServices(path, readFileSync(path, "utf8"));
    keepBackup(path);
  }
  writeFileAtomic(path, text);
}

/**
 * Merges `row` into the registry by `manifestName` (fields of an existing row that `row` lacks are
 * kept), as a module started by hand does to register itself.
 */
export function upsertService(path: string, row: Partial<ServiceRow> & { manifestName: string }): ServiceRow {
  const doc = readServices(path);
  const i = doc.services.findIndex((r) => r.manifestName === row.manifestName);
  const merged = { ...(i >= 0 ? doc.services[i] : {}), ...row } as ServiceRow;
  if (i >= 0) doc.services[i] = merged;
  else doc.services.push(merged);
  writeServices(path, doc);
  return merged;
}
