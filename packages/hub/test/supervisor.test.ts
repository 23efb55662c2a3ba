import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeFixture, setMarker } from "../testing/fixtures.ts";
import {
  type HubProcess,
  pidAlive,
  startHub,
  tempHome,
  waitFor,
  waitForState,
} from "../testing/hub-process.ts";

/** Every pid in a process group (the module and anything it spawned). */
function groupPids(pgid: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) === pgid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

let hubs: HubProcess[] = [];
afterEach(async () => {
  await Promise.all(hubs.map((h) => h.stop()));
  hubs = [];
});

async function hubWith(fixtures: Parameters<typeof makeFixture>[1][], env: Record<string, string> = {}) {
  const home = tempHome();
  const pkgs = tempHome();
  const hub = await startHub(home, env);
  hubs.push(hub);
  for (const f of fixtures) {
    const res = await hub.op("POST", "/api/modules/install", { path: makeFixture(pkgs, f) });
    expect(res.status, await res.clone().text()).toBe(200);
  }
  return hub;
}

async function moduleInfo(hub: HubProcess, short: string) {
  const { modules } = (await (await hub.api("GET", "/api/modules")).json()) as {
    modules: { short: string; state: string; pid: number; port: number; reason: string; restarts: number }[];
  };
  return modules.find((m) => m.short === short)!;
}

describe("the supervisor, with real processes", () => {
  test("kill -9 of a module: it is active again with a new process", async () => {
    const hub = await hubWith([{ name: "alpha", port: 1941 }]);
    const before = await moduleInfo(hub, "alpha");
    process.kill(before.pid, "SIGKILL");
    const after = await waitFor(async () => {
      const m = await moduleInfo(hub, "alpha");
      return m.state === "active" && m.pid !== before.pid ? m : null;
    }, "alpha to be active again");
    expect(after.restarts).toBe(1);
    expect((await fetch(`${hub.origin}/alpha/hello`)).status).toBe(201);
  }, 20_000);

  test("a crash loop ends in failing with the reason; a manual start then works", async () => {
    const hub = await hubWith([{ name: "alpha", port: 1941 }]);
    setMarker(hub.home, "alpha", "crash");
    process.kill((await moduleInfo(hub, "alpha")).pid, "SIGKILL");
    const failing = await waitForState(hub, "alpha", "failing", 15_000);
    expect(failing.reason).toContain("crashed 5 times in 120 s");
    expect(failing.reason).toContain("exit code 3");
    expect(failing.pid).toBeNull();
    setMarker(hub.home, "alpha", "crash", false);
    const res = await hub.op("POST", "/api/modules/alpha/start", {});
    expect(((await res.json()) as { module: { state: string } }).module.state).toBe("active");
  }, 30_000);

  test("a module that never binds is failing after its start timeout, and its process is gone", async () => {
    const hub = await hubWith([{ name: "alpha", port: 1941, startTimeoutMs: 1500, stopGraceMs: 500 }]);
    await hub.op("POST", "/api/modules/alpha/stop");
    setMarker(hub.home, "alpha", "nobind");
    expect((await hub.api("POST", "/api/modules/alpha/start", {})).status).toBe(202);
    const pid = (await waitFor(async () => (await moduleInfo(hub, "alpha")).pid, "a pid")) as number;
    const failing = await waitForState(hub, "alpha", "failing", 10_000);
    expect(failing.reason).toBe("did not become ready within 1500 ms");
    await waitFor(() => !pidAlive(pid), "the unready process to be stopped");
  }, 20_000);

  test("a module that ignores SIGTERM is killed after its grace period", async () => {
    const hub = await hubWith([{ name: "alpha", port: 1941, stopGraceMs: 300 }]);
    await hub.op("POST", "/api/modules/alpha/restart");
    setMarker(hub.home, "alpha", "ignore-term");
    await hub.op("POST", "/api/modules/alpha/restart");
    const pid = (await moduleInfo(hub, "alpha")).pid;
    const began = performance.now();
    const res = await hub.op("POST", "/api/modules/alpha/stop");
    expect(performance.now() - began).toBeGreaterThanOrEqual(300);
    expect(((await res.json()) as { module: { state: string } }).module.state).toBe("inactive");
    expect(pidAlive(pid)).toBe(false);
    expect(readFileSync(join(hub.home, "logs", "alpha.log"), "utf8")).toContain("ignoring SIGTERM");
  }, 20_000);

  test("kill -9 of the hub leaves no module process (nor its children) after 2 s", async () => {
    const home = tempHome();
    setMarker(home, "alpha", "grandchild");
    const pkgs = tempHome();
    const hub = await startHub(home);
    for (const f of [
      { name: "alpha", port: 1941 },
      { name: "beta", port: 1942 },
    ]) {
      await hub.op("POST", "/api/modules/install", { path: makeFixture(pkgs, f) });
    }
    const pids = [
      ...groupPids((await moduleInfo(hub, "alpha")).pid),
      ...groupPids((await moduleInfo(hub, "beta")).pid),
    ];
    expect(pids.length).toBeGreaterThanOrEqual(3);
    hub.proc.kill("SIGKILL");
    await hub.proc.exited;
    await waitFor(() => pids.every((p) => !pidAlive(p)), "every module process to be gone", 2_000);
  }, 20_000);

  test("SIGTERM of the hub stops every module and exits cleanly within the longest grace + 2 s", async () => {
    const home = tempHome();
    setMarker(home, "beta", "ignore-term");
    const pkgs = tempHome();
    const hub = await startHub(home);
    for (const f of [
      { name: "alpha", port: 1941, stopGraceMs: 1000 },
      { name: "beta", port: 1942, stopGraceMs: 1000 },
    ]) {
      await hub.op("POST", "/api/modules/install", { path: makeFixture(pkgs, f) });
    }
    const pids = [(await moduleInfo(hub, "alpha")).pid, (await moduleInfo(hub, "beta")).pid];
    const began = performance.now();
    const code = await hub.stop();
    expect(code).toBe(0);
    const took = performance.now() - began;
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(1000 + 2000);
    expect(pids.every((p) => !pidAlive(p))).toBe(true);
    expect(existsSync(join(home, "hub.runtime.json"))).toBe(false);
  }, 20_000);

  test("a squatter on a module's port is reported with its pid and left alone", async () => {
    const hub = await hubWith([{ name: "alpha" }]);
    const { port } = await moduleInfo(hub, "alpha");
    await hub.op("POST", "/api/modules/alpha/stop");
    const squatter = Bun.serve({ hostname: "127.0.0.1", port, fetch: () => new Response("squatter") });
    try {
      const res = await hub.op("POST", "/api/modules/alpha/start", {});
      expect(res.status).toBe(422);
      const { error, message } = (await res.json()) as { error: string; message: string };
      expect(error).toBe("module_not_ready");
      expect(message).toContain(`port ${port} is in use by pid ${process.pid}`);
      expect((await moduleInfo(hub, "alpha")).state).toBe("failing");
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("squatter");
    } finally {
      squatter.stop(true);
    }
    const res = await hub.op("POST", "/api/modules/alpha/start", {});
    expect(((await res.json()) as { module: { state: string } }).module.state).toBe("active");
  }, 20_000);

  test("a module over its memory limit is restarted and the reason shown", async () => {
    const hub = await hubWith([{ name: "alpha", port: 1941, memoryLimitMb: 120 }]);
    setMarker(hub.home, "alpha", "hog");
    await hub.op("POST", "/api/modules/alpha/restart");
    const seen = await waitFor(
      async () => {
        const m = await moduleInfo(hub, "alpha");
        return m.reason?.includes("above the limit of 120 MB") ? m : null;
      },
      "a memory restart",
      15_000,
    );
    expect(seen.reason).toMatch(/memory \d+ MB above the limit of 120 MB/);
  }, 30_000);

  test("modules get PORT, PARACHUTE_HOME, the hub origin and their .env, but none of the hub's secrets", async () => {
    const home = tempHome();
    setMarker(home, "alpha", ".env");
    writeFileSync(join(home, "alpha", ".env"), "FIXTURE_VALUE=from-dotenv\n");
    const hub = await startHub(home, { PARACHUTE_SETUP_TOKEN: "hub-secret-setup-token" });
    hubs.push(hub);
    const pkgs = tempHome();
    await hub.op("POST", "/api/modules/install", { path: makeFixture(pkgs, { name: "alpha", port: 1941 }) });
    const env = (await (await fetch(`${hub.origin}/alpha/env`)).json()) as Record<string, string | null>;
    expect(env.PORT).toBe(String((await moduleInfo(hub, "alpha")).port));
    expect(env.PARACHUTE_HOME).toBe(home);
    expect(env.PARACHUTE_HUB_ORIGIN).toBe(hub.origin);
    expect(env.FIXTURE_VALUE).toBe("from-dotenv");
    expect(env.PARACHUTE_SETUP_TOKEN).toBeNull();
  }, 20_000);

  test("module output is prefixed on the hub's stdout and written to its log file", async () => {
    const hub = await hubWith([{ name: "alpha", port: 1941 }]);
    await waitFor(() => hub.output().includes("[alpha] fixture alpha starting"), "the prefixed line");
    expect(readFileSync(join(hub.home, "logs", "alpha.log"), "utf8")).toContain("fixture alpha starting");
  }, 20_000);

  test("boot starts every installed module; dependants wait; a stopped module stays stopped", async () => {
    const home = tempHome();
    const pkgs = tempHome();
    let hub = await startHub(home);
    for (const f of [
      { name: "alpha", port: 1941 },
      { name: "beta", port: 1942, dependsOn: ["alpha"] },
      { name: "gamma", port: 1943 },
    ]) {
      await hub.op("POST", "/api/modules/install", { path: makeFixture(pkgs, f) });
    }
    await hub.op("POST", "/api/modules/gamma/stop");
    await hub.stop();

    hub = await startHub(home);
    hubs.push(hub);
    await waitForState(hub, "alpha", "active");
    await waitForState(hub, "beta", "active");
    expect((await moduleInfo(hub, "gamma")).state).toBe("inactive");
    const log = hub.output();
    expect(log.indexOf("[beta] fixture beta starting")).toBeGreaterThan(
      log.indexOf("[alpha] fixture alpha starting"),
    );
  }, 30_000);
});

describe("the hub's own state files", () => {
  test("a corrupt services.json stops the hub with the path, and the file is left as it was", async () => {
    const home = tempHome();
    writeFileSync(join(home, "services.json"), '{"services": [');
    await expect(startHub(home)).rejects.toThrow(/services\.json: is not valid JSON/);
    expect(readFileSync(join(home, "services.json"), "utf8")).toBe('{"services": [');
  });

  test("a services.json with two modules on one port is refused by name", async () => {
    const home = tempHome();
    const row = (name: string) => ({
      name,
      manifestName: name,
      port: 1941,
      paths: [`/${name}`],
      health: "/h",
      version: "1.0.0",
      installDir: "/x",
    });
    writeFileSync(join(home, "services.json"), JSON.stringify({ services: [row("one"), row("two")] }));
    await expect(startHub(home)).rejects.toThrow(/"one" and "two" both claim port 1941/);
  });

  test("a second hub on the same home is refused", async () => {
    const home = tempHome();
    const first = await startHub(home);
    hubs.push(first);
    await expect(startHub(home)).rejects.toThrow(/another hub \(pid \d+\) is already serving/);
  });
});
