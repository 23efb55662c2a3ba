import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic-file.ts";
import { HttpError } from "./errors.ts";

/** The draft-07 subset a module's settings schema may use. */
export interface ConfigSchema {
  type: "object";
  properties?: Record<string, PropertySchema>;
  required?: string[];
}

export interface PropertySchema {
  type: "string" | "number" | "integer" | "boolean";
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  writeOnly?: boolean;
}

export type ConfigValues = Record<string, string | number | boolean>;

/** Reads and writes one module's settings in `$PARACHUTE_HOME/<short>/config.json` (mode 0600). */
export class ConfigStore {
  readonly file: string;

  constructor(
    dataDir: string,
    readonly schema: ConfigSchema,
  ) {
    this.file = join(dataDir, "config.json");
  }

  /** Stored values with schema defaults filled in. */
  values(): ConfigValues {
    const out: ConfigValues = {};
    for (const [k, p] of Object.entries(this.schema.properties ?? {})) {
      if (p.default !== undefined) out[k] = p.default as string | number | boolean;
    }
    return { ...out, ...this.stored() };
  }

  /** Values safe to show: secrets (`writeOnly`) are left out and listed by name when set. */
  publicView(): { values: ConfigValues; secretsSet: string[] } {
    const values = this.values();
    const secretsSet: string[] = [];
    for (const [k, p] of Object.entries(this.schema.properties ?? {})) {
      if (!p.writeOnly) continue;
      if (k in values) secretsSet.push(k);
      delete values[k];
    }
    return { values, secretsSet };
  }

  /** Partially updates settings: a value sets, `null` clears. Validates everything before writing. */
  update(patch: unknown): void {
    if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
      throw new HttpError(400, "invalid_body", "the body must be a JSON object of settings");
    }
    const next: ConfigValues = this.stored();
    for (const [k, v] of Object.entries(patch)) {
      const props = this.schema.properties ?? {};
      const prop = Object.hasOwn(props, k) ? props[k] : undefined;
      if (!prop) throw new HttpError(400, "unknown_field", `"${k}" is not a setting of this module`);
      if (v === null) {
        delete next[k];
        continue;
      }
      const why = checkValue(prop, v);
      if (why) throw new HttpError(400, "invalid_field", `"${k}" ${why}`);
      next[k] = v as string | number | boolean;
    }
    for (const k of this.schema.required ?? []) {
      if (!(k in next) && this.schema.properties?.[k]?.default === undefined) {
        throw new HttpError(400, "invalid_field", `"${k}" is required`);
      }
    }
    mkdirSync(join(this.file, ".."), { recursive: true });
    writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`, 0o600);
  }

  private stored(): ConfigValues {
    if (!existsSync(this.file)) return {};
    return JSON.parse(readFileSync(this.file, "utf8")) as ConfigValues;
  }
}

function checkValue(p: PropertySchema, v: unknown): string | null {
  if (p.type === "integer" ? !Number.isInteger(v) : typeof v !== p.type) return `must be of type ${p.type}`;
  if (p.enum && !p.enum.includes(v))
    return `must be one of ${p.enum.map((e) => JSON.stringify(e)).join(", ")}`;
  if (typeof v === "number") {
    if (p.minimum !== undefined && v < p.minimum) return `must be at least ${p.minimum}`;
    if (p.maximum !== undefined && v > p.maximum) return `must be at most ${p.maximum}`;
  }
  if (typeof v === "string" && p.maxLength !== undefined && v.length > p.maxLength) {
    return `must be at most ${p.maxLength} characters`;
  }
  return null;
}

/** Parses a `.env` file: `KEY=value` lines, `#` comments, optional surrounding quotes. */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trimStart().startsWith("#")) continue;
    let v = m[2]!;
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0]!)) v = v.slice(1, -1);
    out[m[1]!] = v;
  }
  return out;
}
