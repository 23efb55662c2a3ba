import { probeHealth } from "./health-probe.ts";
import type { ModuleLog } from "./log-sink.ts";
import { pumpLines } from "./log-sink.ts";
import type { ChildProcess, Effects, ModuleSpec } from "./module-runner.ts";
import { findSquatter, groupRssMb } from "./port-probe.ts";
import type { Watchdog } from "./watchdog.ts";

/** argv[0] "bun" means the Bun running the hub, so a module never depends on PATH to find it. */
function resolveArgv(argv: string[]): string[] {
  return argv[0] === "bun" ? [process.execPath, ...argv.slice(1)] : argv;
}

function signalGroup(pgid: number, signal: "SIGTERM" | "SIGKILL"): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Spawns a module in a new process group with its output piped into its log. */
function spawnModule(spec: ModuleSpec, log: ModuleLog): ChildProcess {
  const proc = Bun.spawn(resolveArgv(spec.argv), {
    cwd: spec.cwd,
    env: spec.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    detached: true,
  });
  void pumpLines(proc.stdout, (lines) => log.write(lines));
  void pumpLines(proc.stderr, (lines) => log.write(lines));
  return {
    pid: proc.pid,
    exited: proc.exited.then((code) => ({
      code: proc.signalCode ? null : code,
      signal: proc.signalCode ? String(proc.signalCode) : null,
    })),
    signalGroup: (signal) => signalGroup(proc.pid, signal),
  };
}

export function realEffects(watchdog: Watchdog): Effects {
  return {
    spawn: spawnModule,
    probeHealth,
    findSquatter,
    groupRssMb,
    clock: {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    },
    random: Math.random,
    watchdog,
  };
}
