import type { CheckResult } from "../../doctor/check.ts";
import { runDoctor } from "../../doctor/doctor.ts";
import { parseArgs } from "../args.ts";
import { runnable } from "../cli-name.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import type { Command } from "../io.ts";

const MARK = { ok: "✓", warn: "!", fail: "✗" } as const;

/** One line per check, its fix on the line below; a count at the end. */
function report(checks: CheckResult[]): string {
  const width = Math.max(...checks.map((c) => c.check.length));
  const lines = checks.flatMap((c) => {
    const line = `${MARK[c.status]} ${c.check.padEnd(width)}  ${c.message}`;
    return c.fix ? [line, `${" ".repeat(width + 4)}fix: ${c.fix}`] : [line];
  });
  const failed = checks.filter((c) => c.status === "fail").length;
  const warned = checks.filter((c) => c.status === "warn").length;
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  lines.push(
    failed + warned === 0
      ? `all ${checks.length} checks passed`
      : `${plural(failed, "failure")}, ${plural(warned, "warning")}`,
  );
  return lines.join("\n");
}

/**
 * `parachute doctor [--json] [--port N]`: checks the installation (home, files, disk, hub.db,
 * services.json, the hub and its port, the operator token, the origin, the clock, each module) and
 * says what to fix. Only reads. Exits 1 when a check fails; warnings alone exit 0.
 */
export const doctor: Command = async (argv, io) => {
  const args = parseArgs(argv, ["--port"], ["--json"]);
  const port = args.flags.get("--port");
  if (args.positional.length || (typeof port === "string" && !/^\d{1,5}$/.test(port)))
    throw new CliError(EXIT.usage, "usage: parachute doctor [--json] [--port N]");
  const checks = (await runDoctor(io.env, typeof port === "string" ? port : undefined)).map((c) => ({
    ...c,
    message: runnable(c.message, io.env),
    fix: c.fix === null ? null : runnable(c.fix, io.env),
  }));
  const ok = checks.every((c) => c.status !== "fail");
  io.print(args.flags.has("--json") ? JSON.stringify({ checks, ok }, null, 2) : report(checks));
  return ok ? EXIT.ok : EXIT.failed;
};
