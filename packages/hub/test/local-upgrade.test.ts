import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixtureTarball, makeFixture } from "../testing/fixtures.ts";
import { type HubProcess, runCli, startHub, tempHome } from "../testing/hub-process.ts";

const hubs: HubProcess[] = [];
afterAll(async () => {
  await Promise.all(hubs.map((h) => h.stop()));
});

async function hub(env: Record<string, string> = {}): Promise<HubProcess> {
  const h = await startHub(tempHome(), env);
  hubs.push(h);
  return h;
}

const moduleOf = async (h: HubProcess, short: string) =>
  (
    (await (await h.api("GET", "/api/modules")).json()) as {
      modules: { short: string; version: string; state: string }[];
    }
  ).modules.find((m) => m.short === short);

describe("modules installed from a local path", () => {
  test("a tarball module upgrades from the same path: the new version runs, its data stays", async () => {
    const h = await hub();
    const dir = tempHome();
    const tgz = fixtureTarball(dir, { name: "alpha" });
    expect((await h.op("POST", "/api/modules/install", { path: tgz })).status).toBe(200);
    mkdirSync(join(h.home, "alpha"), { recursive: true });
    writeFileSync(join(h.home, "alpha", "data.txt"), "kept");
    // The operator drops the next version at the same path.
    const v2 = fixtureTarball(tempHome(), { name: "alpha", version: "2.0.0" });
    writeFileSync(tgz, readFileSync(v2));
    const up = await h.op("POST", "/api/modules/alpha/upgrade", {});
    expect(up.status).toBe(200);
    expect(await moduleOf(h, "alpha")).toMatchObject({ version: "2.0.0", state: "active" });
    expect(readFileSync(join(h.home, "alpha", "data.txt"), "utf8")).toBe("kept");
  }, 30_000);

  test("a folder module upgrades in place; a version that does not start is rolled back, the folder left alone", async () => {
    const h = await hub();
    const dir = makeFixture(tempHome(), { name: "beta" });
    expect((await h.op("POST", "/api/modules/install", { path: dir })).status).toBe(200);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "fixture-beta", version: "1.1.0" }));
    expect((await h.op("POST", "/api/modules/beta/upgrade", {})).status).toBe(200);
    expect(await moduleOf(h, "beta")).toMatchObject({ version: "1.1.0", state: "active" });

    // A broken edit: the manifest names another module. The upgrade is refused and undone.
    const manifest = join(dir, ".parachute", "module.json");
    const good = readFileSync(manifest, "utf8");
    writeFileSync(manifest, good.replace('"name": "beta"', '"name": "other"'));
    const broken = await h.op("POST", "/api/modules/beta/upgrade", {});
    expect(broken.status).toBe(422);
    expect(((await broken.json()) as { message: string }).message).toContain("its folder is yours");
    expect(readFileSync(manifest, "utf8")).toContain('"name": "other"');
    expect(await moduleOf(h, "beta")).toMatchObject({ version: "1.1.0", state: "active" });
  }, 30_000);

  test("installing it again says how to load a new version: upgrade, not a loop", async () => {
    const h = await hub();
    const dir = makeFixture(tempHome(), { name: "gamma" });
    expect((await h.op("POST", "/api/modules/install", { path: dir })).status).toBe(200);
    const again = await h.api("POST", "/api/modules/install", { path: dir });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { message: string }).message).toBe(
      `gamma 1.0.0 is already installed (from ${dir}); to load a new version from its path, run \`parachute upgrade gamma\``,
    );
  }, 30_000);
});

describe("a catalog module the source does not have", () => {
  test("is refused at once, naming what the source offers, and no operation starts", async () => {
    const source = tempHome();
    fixtureTarball(source, { name: "alpha" });
    const h = await hub({ PARACHUTE_MODULE_SOURCE: source });
    const r = await runCli(h.home, ["install", "notes"]);
    expect(r.code).toBe(6);
    expect(r.stderr.trim()).toBe(
      `parachute install: ${source} does not offer the module notes; it offers no modules`,
    );
    const { operations } = (await (await h.api("GET", "/api/operations")).json()) as {
      operations: unknown[];
    };
    expect(operations).toEqual([]);
  }, 30_000);
});
