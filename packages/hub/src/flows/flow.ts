import type { ModuleStatus, OperationKind } from "../api-types.ts";
import { HubError } from "../errors.ts";
import type { InstalledModules } from "../modules/installed.ts";
import type { RunOptions } from "../modules/installer.ts";
import type { ModuleSource } from "../modules/sources.ts";
import type { Journal, JournalEntry } from "../operations/journal.ts";
import type { Operation, Progress } from "../operations/operation.ts";
import type { ModuleRunner } from "../supervisor/module-runner.ts";

/** What the flows are given: the installed set and the few facts and tools they act with. */
export interface FlowContext {
  installed: InstalledModules;
  journal: Journal;
  /** `$PARACHUTE_HOME`. */
  home: string;
  /** The Bun project installed module packages live in (`$PARACHUTE_HOME/modules`). */
  modulesDir: string;
  /** Where catalog modules and package specs come from unless a request names a source. */
  defaultSource: () => Promise<ModuleSource>;
  /** How package-manager runs are watched (the orphan guard). */
  packages: RunOptions;
  hubPort: () => number;
  isPortFree: (port: number) => Promise<boolean>;
  hubEnv: Record<string, string | undefined>;
  /** Asks `parachute serve` to stop this hub and start the installed one; absent when nothing can. */
  restartHub?: () => void;
}

/** A checked request: the module it is about, the lock keys it runs under, and its plan. */
interface Planned<Plan> {
  module: string;
  keys: string[];
  plan: Plan;
}

/**
 * One kind of operation. `prepare` checks a request when it arrives (asking the module source if it
 * must), so bad input is refused before anything is queued; `run` does the work and undoes its own changes when it fails; `recover`
 * finishes or undoes an operation of this kind that a crash cut short, from its journal entry.
 */
export interface Flow<Req, Plan> {
  kind: OperationKind;
  /** Whether it changes what is on disk, under a journal (and so is refused while recovery is due). */
  journaled: boolean;
  prepare(ctx: FlowContext, req: Req): Planned<Plan> | Promise<Planned<Plan>>;
  run(ctx: FlowContext, plan: Plan, op: Operation): Promise<unknown>;
  recover?(ctx: FlowContext, entry: JournalEntry): Promise<string>;
}

/** Every operation that changes the installed set takes this key: one package-manager run at a time. */
export const PACKAGES = "*packages";

/**
 * Waits until the module is active (a new process when `notPid` is given) or failing, within its
 * start timeout plus `extraMs`, passing its log lines on to the operation; a module that is not
 * active by then fails the operation.
 */
export async function awaitActive(
  runner: ModuleRunner,
  progress: Progress,
  opts: { notPid?: number | null; extraMs?: number } = {},
): Promise<ModuleStatus> {
  const notPid = opts.notPid ?? null;
  const ms = runner.spec.policy.startTimeoutMs + 2_000 + (opts.extraMs ?? 0);
  const off = runner.log.follow((line) => progress.log(line));
  try {
    const s = await runner
      .until(
        (s) => (s.state === "active" && (notPid === null || s.pid !== notPid)) || s.state === "failing",
        ms,
      )
      .catch(() => runner.status());
    if (s.state !== "active") {
      const tail = runner.log.last(20).join("\n");
      throw new HubError(
        "unprocessable",
        "module_not_ready",
        `${runner.spec.short} did not become active: ${s.reason ?? s.state}${tail ? `\n${tail}` : ""}`,
      );
    }
    progress.step("active", `${s.short} ${s.version} is active ${where(s)}`);
    return s;
  } finally {
    off();
  }
}

/** Where a module is reached: its public URL, or its port when it has no mount. */
function where(s: ModuleStatus): string {
  return s.url ? `at ${s.url}` : `on port ${s.port}`;
}
