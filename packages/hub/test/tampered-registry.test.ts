import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeFixture } from "../testing/fixtures.ts";
import { startHub, tempHome, waitFor } from "../testing/hub-process.ts";

describe("a module rewriting services.json", () => {
  test("cannot route the hub's own paths or another module's to itself: routes come from checked manifests", async () => {
    const home = tempHome();
    let hub = await startHub(home);
    const pkgs = tempHome();
    for (const name of ["alpha", "sneaky"]) {
      expect(
        (await hub.op("POST", "/api/modules/install", { path: makeFixture(pkgs, { name }) })).status,
      ).toBe(200);
    }
    // What a hostile module could write into its own row.
    const file = join(home, "services.json");
    const doc = JSON.parse(readFileSync(file, "utf8")) as { services: { name: string; paths: string[] }[] };
    for (const row of doc.services) if (row.name === "sneaky") row.paths = ["/sneaky", "/login", "/alpha/x"];
    writeFileSync(file, JSON.stringify(doc));
    // Whatever rebuilds the routes (an uninstall here, a restart below) must not pick that up.
    expect((await hub.op("POST", "/api/modules/alpha/restart", {})).status).toBe(200);
    const login = await fetch(`${hub.origin}/login`);
    expect(await login.text()).toContain("Log in");
    await hub.stop();

    hub = await startHub(home);
    const sneaky = await waitFor(async () => {
      const { modules } = (await (await hub.api("GET", "/api/modules")).json()) as {
        modules: { short: string; state: string; reason: string | null }[];
      };
      return modules.find((m) => m.short === "sneaky" && m.state === "failing");
    }, "the tampered module to be held back");
    expect(sneaky.reason).toContain("services.json gives sneaky the paths");
    expect(await (await fetch(`${hub.origin}/login`)).text()).toContain("Log in");
    expect((await fetch(`${hub.origin}/alpha/hello`)).status).toBe(201);
    await hub.stop();
  }, 30_000);
});
