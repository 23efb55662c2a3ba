import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type HubProcess, runCli, startHub, tempHome } from "../testing/hub-process.ts";

const ROOT = join(import.meta.dir, "..", "..", "..");

describe("a checkout's own modules as the default source", () => {
  let hub: HubProcess | null = null;
  afterAll(async () => {
    await hub?.stop();
  });

  test("`parachute install vault` in a checkout installs offline from its packed modules, with plain progress lines", async () => {
    // No PARACHUTE_MODULE_SOURCE: the hub packs the checkout into dist/modules and installs from that folder.
    hub = await startHub(tempHome());
    const cli = await runCli(hub.home, ["install", "vault"]);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toContain(
      `fetch: fetching @parachute/vault@latest from ${join(ROOT, "dist", "modules")}`,
    );
    expect(cli.stdout).toContain(`active: vault 0.1.0 is active at ${hub.origin}/vault`);
    expect(cli.stdout).not.toContain("\x1b[");
    expect(
      existsSync(join(hub.home, "modules", "node_modules", "@parachute", "vault", "dist", "main.js")),
    ).toBe(true);

    const bad = await runCli(hub.home, ["upgrade", "vault", "--version", "1.0"]);
    expect(bad.code, bad.stderr).toBe(6);
    expect(bad.stderr).toContain("neither an exact version nor a release channel");

    const gone = await runCli(hub.home, ["uninstall", "vault", "--purge"]);
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.stdout).toContain("vault uninstalled and its data deleted");
    expect(existsSync(join(hub.home, "vault"))).toBe(false);

    const again = await runCli(hub.home, ["uninstall", "vault"]);
    expect(again.code).toBe(5);

    // The checkout offers the hub that is running: nothing to do, like a module already at its version.
    const current = await runCli(hub.home, ["upgrade", "hub"]);
    expect([current.code, current.stderr]).toEqual([0, ""]);
    expect(current.stdout).toContain("is already running; there is nothing to upgrade to");
  }, 120_000);
});
