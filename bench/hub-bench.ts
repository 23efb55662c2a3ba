import { join } from "node:path";
import { makeFixture } from "../packages/hub/testing/fixtures.ts";
import { type HubProcess, startHub, tempHome } from "../packages/hub/testing/hub-process.ts";
import { waitFor } from "../packages/hub/testing/wait.ts";
import { median, type Row, rssMb } from "./stats.ts";

// Their ports come from the system (PARACHUTE_MODULE_PORTS=system), as in the tests.
const FOUR = ["alpha", "beta", "gamma", "delta"].map((name) => ({ name }));

interface ModuleRow {
  short: string;
  state: string;
  pid: number | null;
  port: number;
}

async function modules(hub: HubProcess): Promise<ModuleRow[]> {
  return ((await (await hub.api("GET", "/api/modules")).json()) as { modules: ModuleRow[] }).modules;
}

/** A home with the four fixture modules installed, the hub stopped. */
async function homeWithFour(): Promise<string> {
  const home = tempHome();
  const pkgs = tempHome();
  const hub = await startHub(home);
  for (const f of FOUR) await hub.op("POST", "/api/modules/install", { path: makeFixture(pkgs, f) });
  await hub.stop();
  return home;
}

/** `serve` → all four active, measured from spawn to the first status with every module active. */
async function bootMs(home: string, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    // No login here: boot is measured from spawn to every module active, nothing else.
    const hub = await startHub(home, {}, { setup: false });
    await waitFor(async () => (await modules(hub)).every((m) => m.state === "active"), "all active", 20_000);
    times.push(performance.now() - began);
    await hub.stop();
  }
  return median(times);
}

/** kill -9 of a module → `active` again with a new pid. */
async function crashToActiveMs(hub: HubProcess, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const before = (await modules(hub)).find((m) => m.short === "alpha")!;
    const began = performance.now();
    process.kill(before.pid!, "SIGKILL");
    await waitFor(async () => {
      const m = (await modules(hub)).find((x) => x.short === "alpha")!;
      return m.state === "active" && m.pid !== before.pid;
    }, "alpha active again");
    times.push(performance.now() - began);
    // An operator restart forgets the crash, so every run measures a first restart.
    await hub.op("POST", "/api/modules/alpha/restart", {});
  }
  return median(times);
}

async function load(url: string, seconds: number, bearer?: string): Promise<number> {
  const args = [process.execPath, join(import.meta.dir, "load.ts"), url, "16", String(seconds)];
  const proc = Bun.spawn(bearer ? [...args, bearer] : args, { stdout: "pipe" });
  const out = JSON.parse(await new Response(proc.stdout).text()) as { rps: number; errors: number };
  if (out.errors) throw new Error(`${out.errors} failed requests against ${url}`);
  return out.rps;
}

/** Requests/s through the hub divided by requests/s straight to the module, alternating, median of ratios. */
async function proxyRatio(
  hub: HubProcess,
  route: string,
  runs: number,
  bearer?: string,
): Promise<{ ratio: number; direct: number; proxied: number }> {
  const ratios: number[] = [];
  const directs: number[] = [];
  const proxieds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const alpha = (await modules(hub)).find((m) => m.short === "alpha")!;
    const direct = await load(`http://127.0.0.1:${alpha.port}${route}`, 3, bearer);
    const proxied = await load(`${hub.origin}${route}`, 3, bearer);
    directs.push(direct);
    proxieds.push(proxied);
    ratios.push(proxied / direct);
  }
  return { ratio: median(ratios), direct: median(directs), proxied: median(proxieds) };
}

/** The whole process group's memory: hub, watchdog, and every module. */
function treeRssMb(hubPid: number): number {
  const out = Bun.spawnSync(["ps", "-e", "-o", "pid=,ppid="]).stdout.toString();
  const children = new Map<number, number[]>();
  for (const line of out.trim().split("\n")) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  let total = 0;
  const stack = [hubPid];
  while (stack.length) {
    const pid = stack.pop()!;
    total += rssMb(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

async function settle(): Promise<void> {
  Bun.gc(true);
  await Bun.sleep(2000);
}

export async function hubBench(quick: boolean): Promise<Row[]> {
  const runs = quick ? 3 : 5;
  const alone = await startHub(tempHome());
  await settle();
  const aloneMb = rssMb(alone.proc.pid);
  await alone.stop();

  const home = await homeWithFour();
  const boot = await bootMs(home, runs);
  const hub = await startHub(home);
  await waitFor(async () => (await modules(hub)).every((m) => m.state === "active"), "all active", 20_000);
  await settle();
  const withFourMb = treeRssMb(hub.proc.pid);
  const crash = await crashToActiveMs(hub, runs * 2);
  const proxy = await proxyRatio(hub, "/alpha/hello", quick ? 3 : 5);
  const proxyWork = await proxyRatio(hub, "/alpha/work?ms=1", quick ? 3 : 5);
  // A bearer token the hub verifies at the proxy before forwarding: what a real client costs.
  const made = await hub.api("POST", "/api/tokens", { scope: "alpha:read" });
  const bearer = ((await made.json()) as { token: string }).token;
  const proxyToken = await proxyRatio(hub, "/alpha/work?ms=1", quick ? 3 : 5, bearer);
  await hub.stop();

  return [
    {
      what: "boot: serve with 4 modules → all active",
      figure: `${boot.toFixed(0)} ms`,
      target: "≤ 1500 ms",
      ok: boot <= 1500,
    },
    {
      what: "crash → active again (first restart)",
      figure: `${crash.toFixed(0)} ms`,
      target: "≤ 500 ms",
      ok: crash <= 500,
    },
    {
      what: "proxy: req/s via hub ÷ direct, 1 ms handler",
      figure: `${proxyWork.ratio.toFixed(2)} (${proxyWork.proxied} / ${proxyWork.direct} req/s)`,
      target: "≥ 0.85",
      ok: proxyWork.ratio >= 0.85,
    },
    {
      what: "proxy: req/s via hub ÷ direct, 1 ms handler, hub token verified",
      figure: `${proxyToken.ratio.toFixed(2)} (${proxyToken.proxied} / ${proxyToken.direct} req/s)`,
      target: "≥ 0.85",
      ok: proxyToken.ratio >= 0.85,
    },
    {
      what: "proxy: req/s via hub ÷ direct, empty handler",
      figure: `${proxy.ratio.toFixed(2)} (${proxy.proxied} / ${proxy.direct} req/s)`,
      target: "≥ 0.85",
      ok: proxy.ratio >= 0.85,
    },
    { what: "idle RSS: hub alone", figure: `${aloneMb.toFixed(0)} MB`, target: "≤ 60 MB", ok: aloneMb <= 60 },
    {
      what: "idle RSS: hub + 4 modules",
      figure: `${withFourMb.toFixed(0)} MB`,
      target: "≤ 250 MB",
      ok: withFourMb <= 250,
    },
  ];
}
