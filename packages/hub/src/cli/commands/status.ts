import type { StatusResponse } from "../../api-types.ts";
import { parseArgs } from "../args.ts";
import { cliName } from "../cli-name.ts";
import { EXIT } from "../exit-codes.ts";
import type { Command } from "../io.ts";

function uptime(s: number | null): string {
  if (s === null) return "-";
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

/** Formats rows as aligned columns. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** `parachute status [--json]`: the hub and every module with its state. */
export const status: Command = async (argv, io) => {
  const args = parseArgs(argv, [], ["--json"]);
  const data = await io.client().call<StatusResponse>("GET", "/api/status");
  const modules = data.modules.map((m) => ({
    short: m.short,
    state: m.state,
    reason: m.reason,
    pid: m.pid,
    port: m.port,
    url: m.url,
    version: m.version,
    restarts: m.restarts,
    uptime: m.uptime,
  }));
  if (args.flags.has("--json")) {
    io.print(JSON.stringify({ hub: data.hub, modules }, null, 2));
    return EXIT.ok;
  }
  io.print(
    `hub ${data.hub.version} at ${data.hub.url}  pid ${data.hub.pid}  up ${uptime(data.hub.uptime as number)}`,
  );
  if (data.hub.setupPending) io.print(`setup pending: open ${data.hub.url}/admin/setup to create the admin`);
  if (modules.length === 0) {
    io.print(
      `no modules installed; add one with \`${cliName(io.env)} install vault\` (the notes vault) or from a folder`,
    );
    return EXIT.ok;
  }
  const rows = [["MODULE", "STATE", "URL", "VERSION", "PID", "RESTARTS", "UPTIME", "REASON"]];
  for (const m of modules) {
    rows.push([
      m.short,
      m.state,
      m.url ?? `port ${m.port}`,
      m.version,
      String(m.pid ?? "-"),
      String(m.restarts),
      uptime(m.uptime),
      m.reason ?? "",
    ]);
  }
  io.print(table(rows));
  return EXIT.ok;
};
