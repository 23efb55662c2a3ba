import { existsSync, readFileSync } from "node:fs";
import { parseServices, readServices, type ServiceRow, ServicesFileError } from "@parachute/module-kit";
import { type CheckResult, fail, ok } from "./check.ts";

/** What the last good copy offers, for the fix of a bad services.json. */
function backupAdvice(path: string, fix: string): string {
  const bak = `${path}.bak`;
  if (!existsSync(bak))
    return `Repair the file by hand (there is no ${bak}; an empty {"services": []} forgets every module)`;
  try {
    const rows = parseServices(bak, readFileSync(bak, "utf8")).services;
    return `${fix}: cp ${bak} ${path} (it lists ${rows.map((r) => r.name).join(", ") || "no modules"})`;
  } catch (err) {
    return `Repair the file by hand (${bak} cannot be used either: ${(err as Error).message})`;
  }
}

/**
 * services.json, read with the registry's own validation: the rows, or the failure the hub would
 * refuse to start with, naming the file and what to do about it.
 */
export function checkServices(path: string): { result: CheckResult; rows: ServiceRow[] | null } {
  try {
    const rows = readServices(path).services;
    const names = rows.map((r) => r.name).join(", ");
    const message = !existsSync(path)
      ? `${path} is not created yet (no module is installed)`
      : `${path} is valid and lists ${rows.length} module${rows.length === 1 ? "" : "s"}${names ? ` (${names})` : ""}`;
    return { result: ok("services", message), rows };
  } catch (err) {
    if (!(err instanceof ServicesFileError)) {
      const message = `${path} cannot be read: ${(err as Error).message}`;
      return {
        result: fail("services", message, "make it readable by the user that runs the hub"),
        rows: null,
      };
    }
    const suffix = `. ${err.fix}`;
    const message = err.message.endsWith(suffix) ? err.message.slice(0, -suffix.length) : err.message;
    const result = fail(
      "services",
      `${message}; the hub refuses to start with it`,
      backupAdvice(err.path, err.fix),
    );
    return { result, rows: null };
  }
}
