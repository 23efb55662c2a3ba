import { HubError } from "../errors.ts";
import { catalogEntry } from "./catalog.ts";

/** A registry package to install: its name and a version or dist-tag. */
export interface PackageSpec {
  name: string;
  /** An exact version (`1.2.3`, `1.2.3-rc.1`) or a dist-tag (`latest`, `rc`). */
  want: string;
}

const NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;
const VERSION = /^\d{1,9}\.\d{1,9}\.\d{1,9}(-[0-9A-Za-z.-]{1,50})?$/;
const TAG = /^[a-z][a-z0-9-]{0,31}$/;

const bad = (why: string) => new HubError("invalid", "invalid_spec", why);

/**
 * Checks a package spec before anything runs with it: `name`, `name@version` or `name@tag` only — no
 * URLs, paths, git or file specs, shell characters or ranges — so it is safe as one argv item.
 */
export function parsePackageSpec(raw: string): PackageSpec {
  if (typeof raw !== "string" || raw.length === 0) throw bad("the package spec is empty");
  if (raw.length > 214 + 40) throw bad("the package spec is too long");
  const at = raw.lastIndexOf("@");
  const hasVersion = at > 0;
  const name = hasVersion ? raw.slice(0, at) : raw;
  const want = hasVersion ? raw.slice(at + 1) : "latest";
  if (name.length > 214) throw bad("package names are at most 214 characters");
  if (!NAME.test(name) || name.includes("..")) {
    throw bad(`"${name}" is not a registry package name (no URLs, paths, file: or git: specs)`);
  }
  if (!VERSION.test(want) && !TAG.test(want))
    throw bad(`"${want}" is neither an exact version nor a release channel`);
  return { name, want };
}

/** What to install from a request: a catalog short name, or a package spec. */
export function installTarget(input: { short?: string; spec?: string }): PackageSpec & { short?: string } {
  if ((input.short === undefined) === (input.spec === undefined)) {
    throw bad('give exactly one of "short" (a catalog module) or "spec" (a package name)');
  }
  if (input.short !== undefined) {
    const [short = "", want] = input.short.split("@", 2);
    const entry = catalogEntry(short);
    if (!entry)
      throw new HubError(
        "unprocessable",
        "unknown_module",
        `"${input.short.slice(0, 50)}" is not in the catalog`,
      );
    return { ...parsePackageSpec(want ? `${entry.package}@${want}` : entry.package), short: entry.short };
  }
  return parsePackageSpec(input.spec!);
}
