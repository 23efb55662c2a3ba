import { existsSync } from "node:fs";
import { type HubRuntime, processAlive, readRuntime, runningHub } from "@parachute/module-kit";
import type { Home } from "../platform/home.ts";
import { findSquatter } from "../supervisor/port-probe.ts";
import { type CheckResult, fail, ok, warn } from "./check.ts";

/** What the home's runtime file says about a hub, and whether that hub proved itself on its port. */
export interface HubFacts {
  runtimeFile: string;
  /** The runtime file's contents when well formed. */
  runtime: HubRuntime | null;
  alive: boolean;
  /** What answers on the runtime file's port knows its secret: the hub of this home runs. */
  proven: boolean;
}

export async function hubFacts(home: Home): Promise<HubFacts> {
  const runtime = readRuntime(home.runtime);
  const alive = runtime !== null && processAlive(runtime.pid);
  const proven = alive && (await runningHub(home.root)) !== null;
  return { runtimeFile: home.runtime, runtime, alive, proven };
}

/** Whether this home's hub runs and answers, or what stands in the way of starting one. */
export function judgeHub(root: string, f: HubFacts): CheckResult {
  if (f.proven && f.runtime)
    return ok("hub", `hub ${f.runtime.version} (pid ${f.runtime.pid}) answers on port ${f.runtime.port}`);
  if (f.alive && f.runtime)
    return fail(
      "hub",
      `${f.runtimeFile} names pid ${f.runtime.pid}, which runs but does not answer as this home's hub on port ${f.runtime.port}; \`parachute serve\` refuses to start while it does`,
      `if no hub serves ${root}, remove ${f.runtimeFile}`,
    );
  const stale = existsSync(f.runtimeFile) ? ` (${f.runtimeFile} is left from one that is gone)` : "";
  return warn(
    "hub",
    `no hub is running for ${root}${stale}`,
    "start it: `parachute serve`, or the service `parachute init` installed",
  );
}

/** The port `serve` would use: --port, else PORT, else 1939; null when that is not a port. */
function servePort(flag: string | undefined, env: Record<string, string | undefined>) {
  const raw = flag ?? (env.PORT || "1939");
  const port = Number(raw);
  return { raw, port: Number.isInteger(port) && port >= 0 && port <= 65535 ? port : null };
}

/** Whether something else listens on `host:port`: a description of it (pid and command), or null. */
async function taken(host: string, port: number): Promise<string | null> {
  try {
    Bun.listen({ hostname: host, port, socket: { data() {} } }).stop(true);
  } catch {
    return (await findSquatter(port)) ?? `port ${port} is in use on ${host} by another process`;
  }
  return null;
}

/**
 * With the hub running, its port is its own. Otherwise: can `serve` listen where it would? A port
 * held by another program is named with its pid and command, never touched.
 */
export async function checkPort(
  f: HubFacts,
  flag: string | undefined,
  env: Record<string, string | undefined>,
  host: string,
): Promise<CheckResult> {
  if (f.proven && f.runtime) return ok("port", `port ${f.runtime.port} is the running hub's`);
  const { raw, port } = servePort(flag, env);
  if (port === null)
    return fail(
      "port",
      `"${raw}" is not a port; \`parachute serve\` refuses it`,
      "set PORT (or --port) to a number from 1 to 65535",
    );
  if (port === 0) return ok("port", "port 0: `parachute serve` will take a free one from the system");
  const squatter = await taken(host, port);
  if (squatter)
    return fail(
      "port",
      `${squatter}; \`parachute serve\` cannot listen on ${host}:${port}`,
      "stop that program, or serve on another port: `parachute serve --port <N>` (or PORT=<N>)",
    );
  return ok("port", `port ${port} on ${host} is free for \`parachute serve\``);
}
