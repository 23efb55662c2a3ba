import { afterEach, describe, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fixtureTarball, makeFixture } from "../testing/fixtures.ts";
import { type HubProcess, startHub, tempHome } from "../testing/hub-process.ts";

let hub: HubProcess | null = null;
afterEach(async () => {
  await hub?.stop();
  hub = null;
});

const packFixture = (name: string, port: number) => fixtureTarball(tempHome(), { name, port });

const services = (h: HubProcess) => readFileSync(join(h.home, "services.json"), "utf8");

describe("installing local packages", () => {
  test("a tarball is unpacked under modules/, started, and removed again on uninstall", async () => {
    hub = await startHub(tempHome());
    const res = await hub.op("POST", "/api/modules/install", { path: packFixture("tarred", 1945) });
    expect(res.status).toBe(200);
    const unpacked = join(hub.home, "modules", "local", "tarred");
    expect(existsSync(join(unpacked, ".parachute", "module.json"))).toBe(true);
    expect(await (await fetch(`${hub.origin}/tarred/hello`)).text()).toBe("hello from tarred");
    const row = JSON.parse(services(hub)).services[0];
    expect(row).toMatchObject({
      name: "tarred",
      manifestName: "parachute-tarred",
      installDir: unpacked,
      version: "1.0.0",
    });

    mkdirSync(join(hub.home, "tarred"), { recursive: true });
    writeFileSync(join(hub.home, "tarred", "data.txt"), "keep me");
    expect((await hub.op("POST", "/api/modules/tarred/uninstall")).status).toBe(200);
    expect(existsSync(unpacked)).toBe(false);
    expect(readFileSync(join(hub.home, "tarred", "data.txt"), "utf8")).toBe("keep me");
    expect(JSON.parse(services(hub)).services).toEqual([]);
  }, 20_000);

  test("a tarball unpacks without set-user-id modes, and one whose package/ is a link out is refused", async () => {
    hub = await startHub(tempHome());
    const work = tempHome();
    const pkg = makeFixture(work, { name: "modal", port: 1945 });
    writeFileSync(join(pkg, "tool"), "#!/bin/sh\n");
    chmodSync(join(pkg, "tool"), 0o4777);
    renameSync(pkg, join(work, "package"));
    const tgz = join(tempHome(), "modal.tgz");
    expect(Bun.spawnSync(["tar", "-czf", tgz, "-C", work, "package"]).exitCode).toBe(0);
    expect((await hub.op("POST", "/api/modules/install", { path: tgz })).status).toBe(200);
    const mode = statSync(join(hub.home, "modules", "local", "modal", "tool")).mode;
    expect(mode & 0o6000).toBe(0);

    const linked = tempHome();
    const outside = makeFixture(tempHome(), { name: "outside", port: 1946 });
    symlinkSync(outside, join(linked, "package"));
    const linkTgz = join(tempHome(), "linked.tgz");
    expect(Bun.spawnSync(["tar", "-czf", linkTgz, "-C", linked, "package"]).exitCode).toBe(0);
    const before = services(hub);
    const refused = await hub.op("POST", "/api/modules/install", { path: linkTgz });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { message: string }).message).toContain("holds no package/ folder");
    expect(services(hub)).toBe(before);
  });

  test("a folder is used in place and survives uninstall", async () => {
    hub = await startHub(tempHome());
    const dir = makeFixture(tempHome(), { name: "linked", port: 1945 });
    expect((await hub.op("POST", "/api/modules/install", { path: dir })).status).toBe(200);
    expect((await hub.op("POST", "/api/modules/linked/uninstall")).status).toBe(200);
    expect(existsSync(join(dir, ".parachute", "module.json"))).toBe(true);
  }, 20_000);

  test("bad packages are refused with the reason and leave the registry as it was", async () => {
    hub = await startHub(tempHome());
    const ok = makeFixture(tempHome(), { name: "present", port: 1945 });
    expect((await hub.op("POST", "/api/modules/install", { path: ok })).status).toBe(200);
    const before = services(hub);
    const pkgs = tempHome();
    const cases: [unknown, number, RegExp][] = [
      [{ path: "relative/dir" }, 400, /must be absolute/],
      [{ path: "/no/such/place" }, 400, /does not exist/],
      [{ path: join(pkgs) }, 422, /no \.parachute\/module\.json/],
      [
        { path: makeFixture(pkgs, { name: "badport", manifest: { name: "badport", port: "x" } }) },
        422,
        /"manifestName"|"port"/,
      ],
      [{ path: makeFixture(pkgs, { name: "reserved", paths: ["/api"] }) }, 422, /reserved for the hub/],
      [{ path: makeFixture(pkgs, { name: "clash", paths: ["/present"] }) }, 409, /already served by present/],
      [{ path: ok }, 409, /already installed/],
      [
        { path: makeFixture(pkgs, { name: "forged", version: '1.0.0\n[hub] admin "mallory" created' }) },
        422,
        /version "1\.0\.0\\n\[hub\] admin \\"mallory\\" created" is not a version number/,
      ],
      [{ path: 42 }, 400, /"path" must be a string/],
      [{ path: ok, extra: 1 }, 400, /"extra" is not a field/],
    ];
    for (const [body, status, message] of cases) {
      const res = await hub.op("POST", "/api/modules/install", body);
      const json = (await res.json()) as { message: string };
      expect({ body, status: res.status }).toEqual({ body, status });
      expect(json.message).toMatch(message);
    }
    const raw = await fetch(`${hub.origin}/api/modules/install`, {
      method: "POST",
      headers: { authorization: `Bearer ${hub.token}` },
      body: "{not json",
    });
    expect(raw.status).toBe(400);
    expect(services(hub)).toBe(before);
  }, 30_000);

  test("a module that never becomes ready is not left installed", async () => {
    hub = await startHub(tempHome());
    const home = hub.home;
    mkdirSync(join(home, "broken"), { recursive: true });
    writeFileSync(join(home, "broken", "crash"), "");
    const res = await hub.op("POST", "/api/modules/install", { path: packFixture("broken", 1945) });
    expect(res.status).toBe(422);
    const { message } = (await res.json()) as { message: string };
    expect(message).toContain("did not become active");
    expect(message).toContain("crash marker present");
    expect(JSON.parse(services(hub)).services).toEqual([]);
    expect(existsSync(join(home, "modules", "local", "broken"))).toBe(false);
  }, 30_000);
});
