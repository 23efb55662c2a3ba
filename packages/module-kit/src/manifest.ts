import { ManifestError } from "./errors.ts";

/** A module's declaration of itself: `.parachute/module.json` in its package. */
export interface Manifest {
  name: string;
  manifestName: string;
  displayName?: string;
  tagline?: string;
  icon?: string;
  port: number;
  paths: string[];
  health: string;
  startCmd: string[];
  stripPrefix?: boolean;
  websocket?: boolean;
  publicPaths?: string[];
  /**
   * The module issues bearer tokens of its own (not hub JWTs, e.g. the vault's `pvt_…`); the hub
   * passes those through for the module to verify. Without it, the hub refuses any bearer that is not
   * a hub JWT valid for the module.
   */
  ownTokens?: boolean;
  scopes?: string[];
  /**
   * Scopes of other modules this one calls them with (`scribe:transcribe`): the hub mints it a
   * short-lived service token for them, renewed while it runs, in `PARACHUTE_SERVICE_TOKEN_FILE`.
   */
  needs?: string[];
  dependsOn?: string[];
  configSchema?: Record<string, unknown>;
  stopGraceMs?: number;
  startTimeoutMs?: number;
  memoryLimitMb?: number;
}

/** Where the manifest lives inside a module package. */
export const MANIFEST_PATH = ".parachute/module.json";

/** Path prefixes the hub keeps for itself; no module may mount on or under them. */
export const RESERVED_PREFIXES = ["/api", "/admin", "/oauth", "/.well-known", "/health", "/login", "/logout"];

const NAME = /^[a-z][a-z0-9-]{0,39}$/;
/** Folders of `$PARACHUTE_HOME` the hub keeps; a module's data folder is `<home>/<name>`. */
const RESERVED_NAMES = ["modules", "logs", "operations", "backups", "hub"];
const MANIFEST_NAME = /^[a-z0-9@][a-z0-9._/-]{0,99}$/;
const MOUNT = /^(\/[a-z0-9][a-z0-9._-]*)+$/;
const SCOPE = /^[a-z][a-z0-9-]*(:[a-z0-9*][a-z0-9-]*)*:(read|write|admin|[a-z][a-z0-9-]*)$/;

const FIELDS: Record<keyof Manifest, true> = {
  name: true,
  manifestName: true,
  displayName: true,
  tagline: true,
  icon: true,
  port: true,
  paths: true,
  health: true,
  startCmd: true,
  stripPrefix: true,
  websocket: true,
  publicPaths: true,
  ownTokens: true,
  scopes: true,
  needs: true,
  dependsOn: true,
  configSchema: true,
  stopGraceMs: true,
  startTimeoutMs: true,
  memoryLimitMb: true,
};

function fail(field: string, reason: string): never {
  throw new ManifestError(field, reason);
}

function str(m: Record<string, unknown>, field: string, re?: RegExp, optional = false): void {
  const v = m[field];
  if (v === undefined && optional) return;
  if (typeof v !== "string" || v.length === 0) fail(field, "must be a non-empty string");
  if (v.length > 200) fail(field, "must be at most 200 characters");
  if (re && !re.test(v)) fail(field, `must match ${re}`);
}

function strList(
  m: Record<string, unknown>,
  field: string,
  check: (s: string) => string | null,
  optional: boolean,
) {
  const v = m[field];
  if (v === undefined && optional) return;
  if (!Array.isArray(v)) fail(field, "must be an array of strings");
  if (!optional && v.length === 0) fail(field, "must not be empty");
  v.forEach((item, i) => {
    if (typeof item !== "string" || item.length === 0) fail(`${field}[${i}]`, "must be a non-empty string");
    const why = check(item);
    if (why) fail(`${field}[${i}]`, why);
  });
}

function int(m: Record<string, unknown>, field: string, min: number, max: number, optional = false) {
  const v = m[field];
  if (v === undefined && optional) return;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    fail(field, `must be an integer from ${min} to ${max}`);
  }
}

function bool(m: Record<string, unknown>, field: string) {
  const v = m[field];
  if (v !== undefined && typeof v !== "boolean") fail(field, "must be true or false");
}

function mountProblem(p: string): string | null {
  if (!MOUNT.test(p)) return "must be an absolute lowercase path such as /notes, without a trailing slash";
  for (const r of RESERVED_PREFIXES) {
    if (p === r || p.startsWith(`${r}/`)) return `${r} is reserved for the hub`;
  }
  return null;
}

/**
 * Validates a parsed manifest and returns it typed. Throws `ManifestError` naming the first bad field.
 * Unknown fields are refused so that a typo never silently drops a setting.
 */
export function validateManifest(raw: unknown): Manifest {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail("(root)", "must be a JSON object");
  const m = raw as Record<string, unknown>;
  for (const key of Object.keys(m)) {
    if (!(key in FIELDS)) fail(key, "is not a manifest field");
  }
  str(m, "name", NAME);
  if (RESERVED_NAMES.includes(m.name as string)) fail("name", `"${m.name}" is a folder the hub keeps`);
  str(m, "manifestName", MANIFEST_NAME);
  str(m, "displayName", undefined, true);
  str(m, "tagline", undefined, true);
  str(m, "icon", undefined, true);
  int(m, "port", 1, 65535);
  strList(m, "paths", mountProblem, false);
  str(m, "health", /^\/[\x21-\x7e]*$/);
  strList(m, "startCmd", () => null, false);
  bool(m, "stripPrefix");
  bool(m, "websocket");
  bool(m, "ownTokens");
  strList(m, "publicPaths", (s) => (s.startsWith("/") ? null : "must start with /"), true);
  strList(m, "scopes", (s) => (SCOPE.test(s) ? null : "must look like <name>:<verb>"), true);
  strList(
    m,
    "needs",
    (s) =>
      !SCOPE.test(s)
        ? "must look like <module>:<verb>"
        : s.startsWith("hub:")
          ? "cannot ask for the hub's own scopes"
          : null,
    true,
  );
  strList(m, "dependsOn", (s) => (NAME.test(s) ? null : "must be a module short name"), true);
  if (m.configSchema !== undefined) {
    const s = m.configSchema;
    if (typeof s !== "object" || s === null || Array.isArray(s))
      fail("configSchema", "must be a JSON Schema object");
    if ((s as { type?: unknown }).type !== "object") fail("configSchema.type", 'must be "object"');
  }
  int(m, "stopGraceMs", 0, 600_000, true);
  int(m, "startTimeoutMs", 100, 600_000, true);
  int(m, "memoryLimitMb", 16, 1_048_576, true);
  if ((m.dependsOn as string[] | undefined)?.includes(m.name as string))
    fail("dependsOn", "cannot name the module itself");
  return m as unknown as Manifest;
}

/** Reads and validates `<dir>/.parachute/module.json`. */
export async function readManifest(dir: string): Promise<Manifest> {
  const file = Bun.file(`${dir}/${MANIFEST_PATH}`);
  if (!(await file.exists())) throw new ManifestError("(file)", `no ${MANIFEST_PATH} in ${dir}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await file.text());
  } catch (err) {
    throw new ManifestError("(file)", `${MANIFEST_PATH} is not valid JSON: ${(err as Error).message}`);
  }
  return validateManifest(parsed);
}
