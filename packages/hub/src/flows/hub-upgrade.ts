import { HubError } from "../errors.ts";
import { HUB_PACKAGE, installHub } from "../modules/hub-package.ts";
import { resolveVersion } from "../modules/installer.ts";
import { parsePackageSpec } from "../modules/package-spec.ts";
import { selfUpgradeBlocker } from "../platform/hub-versions.ts";
import { HUB_VERSION } from "../version.ts";
import { type Flow, PACKAGES } from "./flow.ts";

/**
 * Hub upgrade: install another hub version into the home and, once the operation has ended and
 * its followers have been told, restart onto it. Refused with "redeploy required" where the hub
 * cannot replace itself.
 */
export const hubUpgradeFlow: Flow<{ version?: string }, { want: string }> = {
  kind: "hub-upgrade",
  journaled: false,

  async prepare(ctx, { version }) {
    const blocker = selfUpgradeBlocker(ctx.hubEnv, ctx.home, ctx.restartHub !== undefined);
    if (blocker) throw new HubError("conflict", "redeploy_required", blocker);
    const want = parsePackageSpec(`${HUB_PACKAGE}@${version ?? "latest"}`).want;
    // Asked now, so an upgrade to what already runs is refused before anything is installed.
    const found = await resolveVersion({ name: HUB_PACKAGE, want }, await ctx.defaultSource());
    if (found === HUB_VERSION)
      throw new HubError(
        "conflict",
        "hub_current",
        `hub ${found} is already running; there is nothing to upgrade to`,
      );
    return { module: "hub", keys: [PACKAGES, "*hub"], plan: { want } };
  },

  async run(ctx, { want }, op) {
    const source = await ctx.defaultSource();
    const launcher = ctx.hubEnv.PARACHUTE_LAUNCHER_VERSION ?? HUB_VERSION;
    const installed = await installHub(ctx.home, want, source, op, launcher, ctx.packages.guard);
    if (installed === null) return { version: HUB_VERSION, message: `hub ${HUB_VERSION} is already running` };
    op.step("restart", `restarting onto hub ${installed}`);
    setTimeout(async () => {
      await op.drained(2_000);
      ctx.restartHub?.();
    }, 0);
    return {
      version: installed,
      previousVersion: HUB_VERSION,
      message: `hub ${installed} is installed; the hub restarts onto it now (${HUB_VERSION} before)`,
    };
  },
};
