import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type HubProcess,
  operationEvents,
  runCli,
  runProgram,
  startHub,
  tempHome,
} from "../testing/hub-process.ts";
import { type NpmRegistry, repack, startRegistry } from "../testing/npm-registry.ts";

const ROOT = join(import.meta.dir, "..", "..", "..");
const CURRENT = JSON.parse(readFileSync(join(ROOT, "packages", "vault", "package.json"), "utf8")).version;
const bump = (v: string, by: number) => v.replace(/\d+$/, (patch) => String(Number(patch) + by));
const NEWER = bump(CURRENT, 1);
const BROKEN = bump(CURRENT, 2);

// One registry, one hub: the steps build on each other, as an operator's would.
describe("installing and upgrading from a package registry (verdaccio on loopback)", () => {
  let registry: NpmRegistry;
  let packs: string;
  let hub: HubProcess;
  let auth: Record<string, string>;

  beforeAll(async () => {
    packs = tempHome();
    const packed = await runProgram(
      [process.execPath, join(ROOT, "scripts", "pack-modules.ts"), "--out", packs],
      {},
    );
    expect(packed.code, packed.stderr).toBe(0);
    registry = await startRegistry();
    await registry.publish(join(packs, `parachute-vault-${CURRENT}.tgz`));
    hub = await startHub(tempHome());
  }, 120_000);
  afterAll(async () => {
    await hub?.stop();
    await registry?.stop();
  });

  const installedVersion = () =>
    JSON.parse(
      readFileSync(join(hub.home, "modules", "node_modules", "@parachute", "vault", "package.json"), "utf8"),
    ).version;
  const row = () =>
    JSON.parse(readFileSync(join(hub.home, "services.json"), "utf8")).services.find(
      (r: { name: string }) => r.name === "vault",
    );
  const readNote = () => fetch(`${hub.origin}/vault/default/api/notes/Kept%20note`, { headers: auth });

  test("install answers 202 with an operation whose events run to active", async () => {
    const res = await hub.api("POST", "/api/modules/install", { short: "vault", source: registry.url });
    expect(res.status).toBe(202);
    const { operation_id } = (await res.json()) as { operation_id: string };
    expect(res.headers.get("location")).toBe(`/api/operations/${operation_id}`);

    const { events, outcome } = await operationEvents(hub.origin, hub.token, operation_id);
    expect(outcome.state, JSON.stringify(outcome.error)).toBe("succeeded");
    const steps = events.filter((e) => e.event === "step").map((e) => e.data.step);
    expect(steps).toEqual(["fetch", "check", "register", "start", "active"]);
    expect(events.some((e) => e.event === "log")).toBe(true);
    expect(outcome.result).toMatchObject({ short: "vault", state: "active", version: CURRENT });

    const polled = (await (await hub.api("GET", `/api/operations/${operation_id}`)).json()) as {
      operation: { state: string };
    };
    expect(polled.operation.state).toBe("succeeded");
    expect(row()).toMatchObject({ package: "@parachute/vault", source: registry.url, channel: "latest" });

    const { token } = (await (await hub.api("POST", "/api/tokens", { scope: "vault:write" })).json()) as {
      token: string;
    };
    auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const made = await fetch(`${hub.origin}/vault/default/api/notes`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ path: "Kept note", content: "written before any upgrade" }),
    });
    expect(made.status).toBe(201);
  }, 60_000);

  test("upgrade follows the remembered channel to the newer published version, keeping the data", async () => {
    await registry.publish(repack(join(packs, `parachute-vault-${CURRENT}.tgz`), { version: NEWER }, packs));
    const res = await hub.op("POST", "/api/modules/vault/upgrade", {});
    const body = (await res.json()) as { module: { version: string; previousVersion: string } };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.module).toMatchObject({ version: NEWER, previousVersion: CURRENT });
    expect(installedVersion()).toBe(NEWER);
    expect(row().version).toBe(NEWER);
    expect(((await (await readNote()).json()) as { content: string }).content).toBe(
      "written before any upgrade",
    );
    expect(existsSync(join(hub.home, "backups", "vault", CURRENT, "data"))).toBe(true);
  }, 60_000);

  test("an upgrade to a version that cannot start is rolled back: previous version active, data intact", async () => {
    await registry.publish(
      repack(join(packs, `parachute-vault-${CURRENT}.tgz`), { version: BROKEN, breakStart: true }, packs),
    );
    const cli = await runCli(hub.home, ["upgrade", "vault"]);
    expect(cli.code, cli.stdout + cli.stderr).toBe(1);
    expect(cli.stdout).toContain(`fetch: fetching @parachute/vault@${BROKEN}`);
    expect(cli.stdout).toContain("rollback: rolling back to vault");
    expect(cli.stderr).toContain("deliberately broken build");
    expect(cli.stderr).toContain(`vault ${NEWER} is restored with its data, active`);

    const modules = (await (await hub.api("GET", "/api/modules")).json()) as {
      modules: { short: string; state: string; version: string }[];
    };
    expect(modules.modules.find((m) => m.short === "vault")).toMatchObject({
      state: "active",
      version: NEWER,
    });
    expect(installedVersion()).toBe(NEWER);
    expect(row().version).toBe(NEWER);
    expect(readdirSync(join(hub.home, "operations")), "no journal is left behind").toEqual([]);
    expect(existsSync(join(hub.home, "vault", "damaged-by-broken-build")), "the data is restored").toBe(
      false,
    );
    const note = await readNote();
    expect(note.status).toBe(200);
    expect(((await note.json()) as { content: string }).content).toBe("written before any upgrade");
  }, 90_000);

  test("an explicit version goes back down, and an unknown or unchanged version leaves the module running untouched", async () => {
    const down = await hub.op("POST", "/api/modules/vault/upgrade", { version: CURRENT });
    expect(down.status, await down.clone().text()).toBe(200);
    expect(installedVersion()).toBe(CURRENT);
    const before = (await (await hub.api("GET", "/api/modules")).json()) as { modules: { pid: number }[] };
    const missing = await hub.op("POST", "/api/modules/vault/upgrade", { version: "9.9.9" });
    expect(missing.status).toBe(422);
    expect(((await missing.json()) as { error: string }).error).toBe("not_in_source");
    const same = await hub.op("POST", "/api/modules/vault/upgrade", { version: CURRENT });
    expect(((await same.json()) as { module: { version: string } }).module.version).toBe(CURRENT);
    const after = (await (await hub.api("GET", "/api/modules")).json()) as { modules: { pid: number }[] };
    expect(after.modules[0]?.pid, "the module was never stopped").toBe(before.modules[0]!.pid);
    expect(installedVersion()).toBe(CURRENT);
    const bad = await hub.api("POST", "/api/modules/vault/upgrade", { version: "; rm -rf /" });
    expect(bad.status).toBe(400);
  }, 90_000);
});
