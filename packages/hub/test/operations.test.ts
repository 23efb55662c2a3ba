import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readServices } from "@parachute/module-kit";
import { fixtureTarball, setMarker } from "../testing/fixtures.ts";
import {
  type HubProcess,
  operationEvents,
  pidAlive,
  startHub,
  tempHome,
  waitFor,
  waitForState,
} from "../testing/hub-process.ts";

let hubs: HubProcess[] = [];
afterEach(async () => {
  for (const h of hubs) if (h.proc.exitCode === null) await h.stop();
  hubs = [];
});

async function hubOn(home: string, env: Record<string, string>): Promise<HubProcess> {
  const hub = await startHub(home, env);
  hubs.push(hub);
  return hub;
}

const modulesProject = (home: string) =>
  JSON.parse(readFileSync(join(home, "modules", "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
const rows = (home: string) => readServices(join(home, "services.json")).services;

/** Submits an operation and returns its id (the request must be accepted). */
async function submit(hub: HubProcess, path: string, body: unknown = {}): Promise<string> {
  const res = await hub.api("POST", path, body);
  expect(res.status, await res.clone().text()).toBe(202);
  return ((await res.json()) as { operation_id: string }).operation_id;
}

const outcome = async (hub: HubProcess, id: string) =>
  (await operationEvents(hub.origin, hub.token, id)).outcome;

/** Waits until the operation has reached `step`. */
function reached(hub: HubProcess, id: string, step: string) {
  return waitFor(
    async () => {
      const { operation } = (await (await hub.api("GET", `/api/operations/${id}`)).json()) as {
        operation: { steps: { step: string }[] };
      };
      return operation.steps.some((s) => s.step === step);
    },
    `operation ${id} to reach ${step}`,
    30_000,
  );
}

/** Pids of processes working in the home's modules project (a package manager run). */
function packageManagerRuns(home: string): number[] {
  const modules = join(home, "modules");
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === modules;
      } catch {
        return false; // Gone already, or not ours to read.
      }
    })
    .map(Number);
}

/** Kills the hub with SIGKILL; its orphan guard must take any package-manager run down with it. */
async function crash(hub: HubProcess): Promise<void> {
  hub.proc.kill("SIGKILL");
  await hub.proc.exited;
  await waitFor(() => packageManagerRuns(hub.home).length === 0, "the package manager to die with the hub");
}

describe("the operations API", () => {
  test("unknown operations are 404; a finished operation's events replay from the start", async () => {
    const source = tempHome();
    fixtureTarball(source, { name: "alpha", port: 1941 });
    const hub = await hubOn(tempHome(), { PARACHUTE_MODULE_SOURCE: source });
    expect((await hub.api("GET", "/api/operations/op_nope")).status).toBe(404);
    expect((await hub.api("GET", "/api/operations/op_nope/events")).status).toBe(404);

    const id = await submit(hub, "/api/modules/install", { spec: "fixture-alpha" });
    const first = await operationEvents(hub.origin, hub.token, id);
    const again = await operationEvents(hub.origin, hub.token, id);
    expect(again.events).toEqual(first.events);
    expect(first.outcome).toMatchObject({ kind: "install", module: "fixture-alpha", state: "succeeded" });

    const stop = await outcome(hub, await submit(hub, "/api/modules/alpha/stop"));
    expect(stop).toMatchObject({ kind: "stop", state: "succeeded", result: { state: "inactive" } });
    const start = await outcome(hub, await submit(hub, "/api/modules/alpha/start"));
    expect(start).toMatchObject({ kind: "start", state: "succeeded", result: { state: "active" } });
    const listed = (await (await hub.api("GET", "/api/operations")).json()) as {
      operations: { id: string }[];
    };
    expect(listed.operations.map((o) => o.id).slice(0, 2)).toHaveLength(2);
    expect((await hub.api("POST", "/api/modules/alpha/start", { wait: false })).status).toBe(400);
    expect((await hub.api("POST", "/api/modules/nosuch/stop")).status).toBe(404);
    expect((await fetch(`${hub.origin}/api/operations/${id}`)).status).toBe(401);
  }, 60_000);

  test("two concurrent installs of one module: one wins, the other is refused, the files agree", async () => {
    const source = tempHome();
    fixtureTarball(source, { name: "alpha", port: 1941 });
    const hub = await hubOn(tempHome(), { PARACHUTE_MODULE_SOURCE: source });
    const ids = await Promise.all([
      submit(hub, "/api/modules/install", { spec: "fixture-alpha" }),
      submit(hub, "/api/modules/install", { spec: "fixture-alpha" }),
    ]);
    const results = await Promise.all(ids.map((id) => outcome(hub, id)));
    expect(results.map((r) => r.state).sort()).toEqual(["failed", "succeeded"]);
    expect(results.find((r) => r.state === "failed")?.error).toMatchObject({ status: 409 });
    expect(rows(hub.home).map((r) => r.name)).toEqual(["alpha"]);
    expect(Object.keys(modulesProject(hub.home).dependencies ?? {})).toEqual(["fixture-alpha"]);

    // Two uninstalls sent together: exactly one removes the module. The other finds nothing to remove,
    // refused at once (404) or, when queued before the first ended, failing with 404.
    const answers = await Promise.all([0, 1].map(() => hub.api("POST", "/api/modules/alpha/uninstall", {})));
    const ends = await Promise.all(
      answers.map(async (res) => {
        if (res.status === 404) return "refused";
        expect(res.status).toBe(202);
        const r = await outcome(hub, ((await res.json()) as { operation_id: string }).operation_id);
        if (r.state === "failed") expect(r.error).toMatchObject({ status: 404 });
        return r.state;
      }),
    );
    expect(ends.filter((e) => e === "succeeded")).toHaveLength(1);
    expect(rows(hub.home)).toEqual([]);
    expect(modulesProject(hub.home).dependencies ?? {}).toEqual({});
    expect(existsSync(join(hub.home, "modules", "node_modules", "fixture-alpha"))).toBe(false);
  }, 60_000);

  test("two installs of one package at different versions: the loser never touches the winner's files", async () => {
    const source = tempHome();
    fixtureTarball(source, { name: "alpha", port: 1941 });
    fixtureTarball(source, { name: "alpha", port: 1941, version: "2.0.0" });
    const hub = await hubOn(tempHome(), { PARACHUTE_MODULE_SOURCE: source });
    const ids = await Promise.all(
      ["fixture-alpha@1.0.0", "fixture-alpha@2.0.0"].map((spec) =>
        submit(hub, "/api/modules/install", { spec }),
      ),
    );
    const results = await Promise.all(ids.map((id) => outcome(hub, id)));
    expect(results.map((r) => r.state).sort()).toEqual(["failed", "succeeded"]);
    const row = rows(hub.home)[0]!;
    const onDisk = JSON.parse(
      readFileSync(join(hub.home, "modules", "node_modules", "fixture-alpha", "package.json"), "utf8"),
    ).version;
    expect(onDisk).toBe(row.version);
    expect(modulesProject(hub.home).dependencies?.["fixture-alpha"]).toEndWith(
      `fixture-alpha-${row.version}.tgz`,
    );
    // Once installed, another version of the same package is refused at once.
    const again = await hub.api("POST", "/api/modules/install", { spec: "fixture-alpha@2.0.0" });
    expect(again.status).toBe(409);
  }, 60_000);

  test("an upgrade whose backup fails changes nothing and leaves the module running", async () => {
    const source = tempHome();
    fixtureTarball(source, { name: "alpha", port: 1941 });
    const hub = await hubOn(tempHome(), { PARACHUTE_MODULE_SOURCE: source });
    expect(
      (await outcome(hub, await submit(hub, "/api/modules/install", { spec: "fixture-alpha" }))).state,
    ).toBe("succeeded");
    fixtureTarball(source, { name: "alpha", port: 1941, version: "2.0.0" });
    mkdirSync(join(hub.home, "alpha"), { recursive: true });
    // A named pipe cannot be copied: the backup fails before anything changes.
    expect(Bun.spawnSync(["mkfifo", join(hub.home, "alpha", "pipe")]).exitCode).toBe(0);
    const failed = await outcome(hub, await submit(hub, "/api/modules/alpha/upgrade"));
    expect(failed.error).toMatchObject({ status: 500, code: "backup_failed" });
    await waitForState(hub, "alpha", "active");
    expect(rows(hub.home)[0]?.version).toBe("1.0.0");
    expect(readdirSync(join(hub.home, "operations"))).toEqual([]);
    // Nothing was left half-done, so the hub still takes changes.
    expect((await hub.api("POST", "/api/modules/alpha/uninstall", {})).status).toBe(202);
  }, 60_000);

  test("concurrent installs of different modules both land in one consistent modules project", async () => {
    const source = tempHome();
    fixtureTarball(source, { name: "alpha", port: 1941 });
    fixtureTarball(source, { name: "beta", port: 1942 });
    const hub = await hubOn(tempHome(), { PARACHUTE_MODULE_SOURCE: source });
    const ids = await Promise.all(
      ["fixture-alpha", "fixture-beta"].map((spec) => submit(hub, "/api/modules/install", { spec })),
    );
    for (const id of ids) expect((await outcome(hub, id)).state).toBe("succeeded");
    expect(
      rows(hub.home)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["alpha", "beta"]);
    expect(Object.keys(modulesProject(hub.home).dependencies ?? {}).sort()).toEqual([
      "fixture-alpha",
      "fixture-beta",
    ]);
    expect(readFileSync(join(hub.home, "modules", "bun.lock"), "utf8")).toContain("fixture-beta");
  }, 60_000);

  test("uninstall keeps the module's data; --purge deletes it", async () => {
    const source = tempHome();
    fixtureTarball(source, { name: "alpha", port: 1941 });
    const hub = await hubOn(tempHome(), { PARACHUTE_MODULE_SOURCE: source });
    const data = join(hub.home, "alpha");
    for (const purge of [false, true]) {
      expect(
        (await outcome(hub, await submit(hub, "/api/modules/install", { spec: "fixture-alpha" }))).state,
      ).toBe("succeeded");
      mkdirSync(data, { recursive: true });
      writeFileSync(join(data, "precious.txt"), "keep me");
      const done = await outcome(hub, await submit(hub, "/api/modules/alpha/uninstall", { purge }));
      expect(done.result).toEqual({ uninstalled: "alpha", purged: purge });
      expect(existsSync(join(data, "precious.txt"))).toBe(!purge);
    }
    expect((await hub.api("POST", "/api/modules/alpha/uninstall", { purge: "yes" })).status).toBe(400);
  }, 60_000);
});

describe("a hub killed in the middle of an operation", () => {
  test("an install cut short while fetching is undone at the next boot", async () => {
    let tarballAsked!: () => void;
    const asked = new Promise<void>((r) => {
      tarballAsked = r;
    });
    // A registry that describes the package, then never sends it: the install hangs mid-fetch.
    const registry = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch(req) {
        const url = new URL(req.url);
        if (url.pathname.endsWith(".tgz")) {
          tarballAsked();
          return new Promise<Response>(() => {});
        }
        return Response.json({
          name: "slow-module",
          "dist-tags": { latest: "1.0.0" },
          versions: {
            "1.0.0": {
              name: "slow-module",
              version: "1.0.0",
              dist: { tarball: `${url.origin}/slow-module/-/slow-module-1.0.0.tgz` },
            },
          },
        });
      },
    });
    try {
      const home = tempHome();
      const hub = await hubOn(home, {});
      const id = await submit(hub, "/api/modules/install", {
        spec: "slow-module",
        source: `http://127.0.0.1:${registry.port}/`,
      });
      await asked;
      await reached(hub, id, "fetch");
      expect(packageManagerRuns(home)).toHaveLength(1);
      expect(existsSync(join(home, "operations", id, "journal.json"))).toBe(true);
      await crash(hub);

      const again = await hubOn(home, {});
      expect(again.output()).toContain("recovery: undid an interrupted install");
      expect(modulesProject(home).dependencies ?? {}).toEqual({});
      expect(existsSync(join(home, "modules", "bun.lock"))).toBe(false);
      expect(existsSync(join(home, "modules", "node_modules", "slow-module"))).toBe(false);
      expect(rows(home)).toEqual([]);
      expect(readdirSync(join(home, "operations"))).toEqual([]);
    } finally {
      registry.stop(true);
    }
  }, 60_000);

  test("an install whose row was written is finished at the next boot", async () => {
    const source = tempHome();
    fixtureTarball(source, { name: "alpha", port: 1941, startTimeoutMs: 60_000 });
    const home = tempHome();
    const hub = await hubOn(home, { PARACHUTE_MODULE_SOURCE: source });
    // An unready fixture keeps the install in its start step until the crash.
    setMarker(home, "alpha", "unready");
    const id = await submit(hub, "/api/modules/install", { spec: "fixture-alpha" });
    await reached(hub, id, "start");
    const pid = await waitFor(async () => {
      const { modules } = (await (await hub.api("GET", "/api/modules")).json()) as {
        modules: { pid: number | null }[];
      };
      return modules[0]?.pid;
    }, "the module's pid");
    await crash(hub);
    await waitFor(() => !pidAlive(pid), "the module to die with its hub");

    setMarker(home, "alpha", "unready", false);
    const again = await hubOn(home, { PARACHUTE_MODULE_SOURCE: source });
    expect(again.output()).toContain("recovery: finished the interrupted install of alpha 1.0.0");
    await waitForState(again, "alpha", "active");
    expect(Object.keys(modulesProject(home).dependencies ?? {})).toEqual(["fixture-alpha"]);
    expect(readdirSync(join(home, "operations"))).toEqual([]);
  }, 60_000);

  test("an upgrade cut short is rolled back to the previous version and data at the next boot", async () => {
    const source = tempHome();
    fixtureTarball(source, { name: "alpha", port: 1941 });
    const home = tempHome();
    const hub = await hubOn(home, { PARACHUTE_MODULE_SOURCE: source });
    expect(
      (await outcome(hub, await submit(hub, "/api/modules/install", { spec: "fixture-alpha" }))).state,
    ).toBe("succeeded");
    mkdirSync(join(home, "alpha"), { recursive: true });
    writeFileSync(join(home, "alpha", "data.txt"), "version 1 data");
    // Version 2 waits on a health path nobody answers, so the upgrade sits in its start step.
    fixtureTarball(source, {
      name: "alpha",
      version: "2.0.0",
      port: 1941,
      startTimeoutMs: 60_000,
      manifest: {
        name: "alpha",
        manifestName: "parachute-alpha",
        port: 1941,
        paths: ["/alpha"],
        health: "/alpha/never-healthy",
        startCmd: ["bun", join(import.meta.dir, "..", "testing", "fixture-server.ts")],
        startTimeoutMs: 60_000,
      },
    });
    const id = await submit(hub, "/api/modules/alpha/upgrade");
    await reached(hub, id, "start");
    writeFileSync(join(home, "alpha", "data.txt"), "changed by version 2");
    await crash(hub);

    const again = await hubOn(home, { PARACHUTE_MODULE_SOURCE: source });
    expect(again.output()).toContain("recovery: rolled back the interrupted upgrade of alpha to 1.0.0");
    await waitForState(again, "alpha", "active");
    const { modules } = (await (await again.api("GET", "/api/modules")).json()) as {
      modules: { version: string }[];
    };
    expect(modules[0]?.version).toBe("1.0.0");
    expect(readFileSync(join(home, "alpha", "data.txt"), "utf8")).toBe("version 1 data");
    expect(
      JSON.parse(readFileSync(join(home, "modules", "node_modules", "fixture-alpha", "package.json"), "utf8"))
        .version,
    ).toBe("1.0.0");
    expect(rows(home)[0]).toMatchObject({ version: "1.0.0", package: "fixture-alpha" });
    expect(readdirSync(join(home, "operations"))).toEqual([]);
  }, 90_000);
});
