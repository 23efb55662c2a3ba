import type { ModuleStatus } from "../api-types.ts";
import { awaitActive, type Flow } from "./flow.ts";

type Verb = "start" | "stop" | "restart";

/** Start, stop and restart: one module at a time, never while its install is still under way. */
function lifecycleFlow(verb: Verb, act: Flow<string, string>["run"]): Flow<string, string> {
  return {
    kind: verb,
    journaled: false,
    prepare(ctx, short) {
      ctx.installed.mustBeSettled(short);
      return { module: short, keys: [short], plan: short };
    },
    async run(ctx, short, op) {
      ctx.installed.mustBeSettled(short);
      return act(ctx, short, op);
    },
  };
}

export const startFlow = lifecycleFlow("start", async (ctx, short, op): Promise<ModuleStatus> => {
  op.step("start", `starting ${short}`);
  ctx.installed.setEnabled(short, true);
  ctx.installed.start(short);
  return awaitActive(ctx.installed.runner(short), op);
});

export const stopFlow = lifecycleFlow("stop", async (ctx, short, op): Promise<ModuleStatus> => {
  op.step("stop", `stopping ${short}`);
  ctx.installed.setEnabled(short, false);
  await ctx.installed.stop(short);
  return ctx.installed.runner(short).status();
});

export const restartFlow = lifecycleFlow("restart", async (ctx, short, op): Promise<ModuleStatus> => {
  op.step("restart", `restarting ${short}`);
  ctx.installed.setEnabled(short, true);
  const runner = ctx.installed.runner(short);
  const before = runner.status().pid;
  ctx.installed.restart(short);
  return awaitActive(runner, op, { notPid: before, extraMs: runner.spec.policy.stopGraceMs });
});
