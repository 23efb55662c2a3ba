import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HUB_VERSION } from "../src/version.ts";
import { makeFixture } from "../testing/fixtures.ts";
import {
  type HubProcess,
  pidAlive,
  runCli,
  runProgram,
  startHub,
  tempHome,
  waitFor,
  waitForState,
} from "../testing/hub-process.ts";

const ROOT = join(import.meta.dir, "..", "..", "..");
const NEXT = HUB_VERSION.replace(/\d+$/, (patch) => String(Number(patch) + 1));

let hubs: HubProcess[] = [];
afterEach(async () => {
  for (const h of hubs) if (h.proc.exitCode === null) await h.stop();
  hubs = [];
});

/** A folder source with this checkout packed as it is, as the next patch version, and as an old 0.0.1. */
async function sourceWithNextHub(): Promise<string> {
  const dir = tempHome();
  for (const extra of [[], ["--version", NEXT], ["--version", "0.0.1"]]) {
    const packed = await runProgram(
      [process.execPath, join(ROOT, "scripts", "pack-modules.ts"), "--out", dir, ...extra],
      {},
    );
    expect(packed.code, packed.stderr).toBe(0);
  }
  return dir;
}

const runtime = (home: string) =>
  JSON.parse(readFileSync(join(home, "hub.runtime.json"), "utf8")) as {
    pid: number;
    port: number;
    version: string;
  };

describe("hub self-upgrade", () => {
  test("`parachute upgrade hub` installs the next hub into the home and restarts onto it, modules and all", async () => {
    const source = await sourceWithNextHub();
    const home = tempHome();
    const hub = await startHub(home, { PARACHUTE_MODULE_SOURCE: source });
    hubs.push(hub);
    const pkgs = tempHome();
    expect(
      (
        await hub.op("POST", "/api/modules/install", {
          path: makeFixture(pkgs, { name: "alpha", port: 1941 }),
        })
      ).status,
    ).toBe(200);

    const cli = await runCli(home, ["upgrade", "hub"]);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`hub ${NEXT} is installed; the hub restarts onto it now`);
    expect(cli.stdout).toContain(`hub ${NEXT} is serving at ${hub.origin} (pid `);

    const now = runtime(home);
    expect(now).toMatchObject({ version: NEXT, port: hub.port });
    expect(now.pid).not.toBe(hub.proc.pid);
    expect(hub.proc.exitCode).toBeNull();
    expect(((await (await fetch(`${hub.origin}/health`)).json()) as { version: string }).version).toBe(NEXT);
    await waitForState(hub, "alpha", "active");
    expect((await fetch(`${hub.origin}/alpha/hello`)).status).toBe(201);
    expect(JSON.parse(readFileSync(join(home, "hub", "current.json"), "utf8"))).toMatchObject({
      version: NEXT,
    });

    // Stopping the launcher stops the hub it runs; the next `serve` runs the installed version at once.
    expect(await hub.stop()).toBe(0);
    await waitFor(() => !pidAlive(now.pid), "the upgraded hub to stop with its launcher");
    const again = await startHub(home, { PARACHUTE_MODULE_SOURCE: source });
    hubs.push(again);
    expect(runtime(home).version).toBe(NEXT);
    expect(((await (await fetch(`${again.origin}/health`)).json()) as { version: string }).version).toBe(
      NEXT,
    );

    // A version older than the one `serve` starts from would never run: refused.
    const old = await again.op("POST", "/api/hub/upgrade", { version: "0.0.1" });
    expect(old.status).toBe(422);
    expect(((await old.json()) as { error: string }).error).toBe("not_newer");

    // Asking for the version already running is refused before anything is installed.
    const same = await again.op("POST", "/api/hub/upgrade", { version: NEXT });
    expect(same.status).toBe(409);
    expect(await same.json()).toMatchObject({
      error: "hub_current",
      message: `hub ${NEXT} is already running; there is nothing to upgrade to`,
    });
  }, 120_000);

  test("where self-upgrade is turned off, the hub answers that a redeploy is required", async () => {
    const hub = await startHub(tempHome(), { PARACHUTE_SELF_UPGRADE: "off" });
    hubs.push(hub);
    const res = await hub.api("POST", "/api/hub/upgrade", {});
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe("redeploy_required");
    expect(body.message).toContain("redeploy required");
    const cli = await runCli(hub.home, ["upgrade", "hub"]);
    expect(cli.code).toBe(6);
    expect(cli.stderr).toContain("redeploy required");
    expect((await hub.api("POST", "/api/hub/upgrade", { version: "not a version" })).status).toBe(409);
  }, 30_000);

  test("a bad version is refused before anything is installed", async () => {
    const hub = await startHub(tempHome());
    hubs.push(hub);
    const res = await hub.api("POST", "/api/hub/upgrade", { version: "; rm -rf /" });
    expect(res.status).toBe(400);
  }, 30_000);
});
