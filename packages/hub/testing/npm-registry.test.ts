import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runProgram, tempHome } from "./hub-process.ts";
import { type NpmRegistry, repack, startRegistry } from "./npm-registry.ts";

const ROOT = join(import.meta.dir, "..", "..", "..");
const bump = (version: string, by: number) => version.replace(/\d+$/, (patch) => String(Number(patch) + by));

describe("test registry", () => {
  let registry: NpmRegistry | null = null;
  afterAll(async () => {
    await registry?.stop();
  });

  test("serves published and repacked module versions to bun add", async () => {
    const packs = tempHome();
    const packed = await runProgram(
      [process.execPath, join(ROOT, "scripts", "pack-modules.ts"), "--out", packs],
      {},
    );
    expect(packed.code, packed.stderr).toBe(0);
    const current = JSON.parse(readFileSync(join(ROOT, "packages", "vault", "package.json"), "utf8")).version;
    const vault = join(packs, `parachute-vault-${current}.tgz`);
    const newer = bump(current, 1);
    const broken = bump(current, 2);

    registry = await startRegistry();
    await registry.publish(vault);
    await registry.publish(repack(vault, { version: newer }, packs));
    await registry.publish(repack(vault, { version: broken, breakStart: true }, packs));

    const doc = (await (await fetch(`${registry.url}/@parachute%2fvault`)).json()) as {
      versions: Record<string, unknown>;
    };
    expect(Object.keys(doc.versions).sort()).toEqual([current, newer, broken].sort());

    const { url } = registry;
    const app = tempHome();
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
    const add = (version: string) =>
      runProgram(
        [
          process.execPath,
          "add",
          "--ignore-scripts",
          "--exact",
          `@parachute/vault@${version}`,
          "--registry",
          url,
        ],
        { BUN_INSTALL_CACHE_DIR: join(app, ".bun-cache") },
        app,
      );
    const installed = join(app, "node_modules", "@parachute", "vault");

    const added = await add(newer);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).version).toBe(newer);

    const addedBroken = await add(broken);
    expect(addedBroken.code, addedBroken.stderr).toBe(0);
    const { startCmd } = JSON.parse(readFileSync(join(installed, ".parachute", "module.json"), "utf8"));
    expect(startCmd).toEqual(["bun", "dist/broken.js"]);
    const started = await runProgram([process.execPath, ...startCmd.slice(1)], {}, installed);
    expect(started.code).toBe(1);
    expect(started.stderr).toContain("deliberately broken build");
  }, 120_000);
});
