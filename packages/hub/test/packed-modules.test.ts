import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type HubProcess, runProgram, startHub, tempHome } from "../testing/hub-process.ts";

const ROOT = join(import.meta.dir, "..", "..", "..");

describe("packed module packages", () => {
  let hub: HubProcess | null = null;
  afterAll(async () => {
    await hub?.stop();
  });

  test("the vault packs into a self-contained tarball that installs and serves with no node_modules", async () => {
    const out = tempHome();
    const packed = await runProgram(
      [process.execPath, join(ROOT, "scripts", "pack-modules.ts"), "--out", out],
      {},
    );
    expect(packed.code, packed.stderr).toBe(0);
    const tgz = join(out, "parachute-vault-0.1.0.tgz");
    expect(packed.stdout).toContain(tgz);

    hub = await startHub(tempHome());
    const res = await hub.op("POST", "/api/modules/install", { path: tgz });
    expect(res.status, await res.clone().text()).toBe(200);
    const dir = join(hub.home, "modules", "local", "vault");
    expect(existsSync(join(dir, "node_modules"))).toBe(false);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(pkg.dependencies).toBeUndefined();
    expect(JSON.parse(readFileSync(join(dir, ".parachute", "module.json"), "utf8")).startCmd).toEqual([
      "bun",
      "dist/main.js",
    ]);

    const { token } = (await (await hub.api("POST", "/api/tokens", { scope: "vault:write" })).json()) as {
      token: string;
    };
    const created = await fetch(`${hub.origin}/vault/default/api/notes`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ path: "from/bundle", content: "works" }),
    });
    expect(created.status).toBe(201);
  }, 60_000);
});
