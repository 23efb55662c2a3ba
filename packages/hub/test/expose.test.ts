/**
 * `parachute expose tailnet|public [off]` end to end: the real CLI with fake `tailscale` and
 * `cloudflared` executables on the PATH, and real hubs that take the published origin when they start.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Exposure, isQuickTunnel, writeExposure } from "../src/platform/exposure.ts";
import { configuredOrigin } from "../src/platform/origin.ts";
import { fakeTools, runCliWith } from "../testing/fake-tools.ts";
import { runCli, startHub, tempHome } from "../testing/hub-process.ts";

const TS_NAME = "hub-box.tail1234.ts.net";
const TS_ORIGIN = `https://${TS_NAME}`;
const QUICK_ORIGIN = "https://quiet-river-fox.trycloudflare.com";

/** tailscale ≥ 1.52 as it answers when connected (or, with `state`, when not). */
function tailscale(state = "Running"): string {
  const name = state === "Running" ? `${TS_NAME}.` : "";
  return [
    'case "$1" in',
    `  status) printf '%s\\n' '{"BackendState":"${state}","Self":{"DNSName":"${name}","HostName":"hub-box"}}' ;;`,
    `  serve|funnel) echo "Available on: ${TS_ORIGIN}/"; echo "|-- proxy $4" ;;`,
    "esac",
  ].join("\n");
}

/** cloudflared printing its quick-tunnel banner on stderr, then running until stopped. */
const CLOUDFLARED = [
  'echo "INF Requesting new quick Tunnel on trycloudflare.com..." >&2',
  'echo "INF +------------------------------------------------------------+" >&2',
  `echo "INF |  ${QUICK_ORIGIN}                 |" >&2`,
  "sleep 600 &",
  "wait",
].join("\n");

const tunnels = new Set<number>();
afterAll(() => {
  for (const pid of tunnels) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Stopped by the test.
    }
  }
});

function stored(home: string): Exposure | null {
  const path = join(home, "expose.json");
  return existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : null;
}

async function wellKnownOrigin(origin: string): Promise<string> {
  const res = await fetch(`${origin}/.well-known/parachute.json`);
  return ((await res.json()) as { hub: { origin: string } }).hub.origin;
}

describe("expose tailnet", () => {
  test("serves the running hub's port on the tailnet; a restarted hub takes the origin; off undoes it", async () => {
    const tools = fakeTools({ tailscale: tailscale() });
    const env = { PATH: tools.dir };
    const home = tempHome();
    let hub = await startHub(home);
    try {
      const r = await runCliWith(home, ["expose", "tailnet"], env);
      expect(r.code).toBe(0);
      expect(tools.calls("tailscale")).toEqual([
        ["status", "--json"],
        ["serve", "--bg", "--https=443", `http://127.0.0.1:${hub.port}`],
      ]);
      expect(stored(home)).toEqual({ mode: "tailnet", origin: TS_ORIGIN, tool: "tailscale", port: hub.port });
      expect(r.stdout).toContain(`the hub is on your tailnet at ${TS_ORIGIN}`);
      expect(r.stdout).toContain(`the hub (pid ${hub.proc.pid}) runs with the origin it started with`);
      expect(r.stdout).toContain("serve` (Ctrl-C) and start it again");

      await hub.stop();
      hub = await startHub(home);
      expect(await wellKnownOrigin(hub.origin)).toBe(TS_ORIGIN);

      const off = await runCliWith(home, ["expose", "tailnet", "off"], env);
      expect(off.code).toBe(0);
      expect(tools.calls("tailscale").at(-1)).toEqual(["serve", "--https=443", "off"]);
      expect(stored(home)).toBeNull();
      expect(off.stdout).toContain(`the hub is no longer exposed at ${TS_ORIGIN}`);
    } finally {
      await hub.stop();
    }
  }, 30_000);

  test("with no hub (nor home) yet it forwards to PORT, and the hub takes the origin when it starts", async () => {
    const tools = fakeTools({ tailscale: tailscale() });
    const home = join(tempHome(), "new home");
    const r = await runCliWith(home, ["expose", "tailnet"], { PATH: tools.dir, PORT: "4567" });
    expect(r.code).toBe(0);
    expect(tools.calls("tailscale")[1]).toEqual(["serve", "--bg", "--https=443", "http://127.0.0.1:4567"]);
    expect(r.stdout).toContain("the hub picks this up when it next starts");
    expect(stored(home)?.origin).toBe(TS_ORIGIN);
  });

  test("tailscale installed but logged out: told to run `tailscale up`, exit 7, nothing stored", async () => {
    const tools = fakeTools({ tailscale: tailscale("NeedsLogin") });
    const home = tempHome();
    const r = await runCliWith(home, ["expose", "tailnet"], { PATH: tools.dir });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("tailscale is not connected (NeedsLogin): run `tailscale up`");
    expect(tools.calls("tailscale")).toEqual([["status", "--json"]]);
    expect(stored(home)).toBeNull();
  });
});

describe("expose public", () => {
  test("through tailscale funnel when tailscale is connected; from tailnet, serve is turned off first", async () => {
    const tools = fakeTools({ tailscale: tailscale(), cloudflared: CLOUDFLARED });
    const env = { PATH: tools.dir };
    const home = tempHome();
    expect((await runCliWith(home, ["expose", "tailnet"], env)).code).toBe(0);
    const r = await runCliWith(home, ["expose", "public"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("turning off the tailnet exposure first");
    expect((await runCliWith(home, ["expose", "public", "off"], env)).code).toBe(0);
    expect(tools.calls("tailscale")).toEqual([
      ["status", "--json"],
      ["serve", "--bg", "--https=443", "http://127.0.0.1:1939"],
      ["serve", "--https=443", "off"],
      ["status", "--json"],
      ["funnel", "--bg", "--https=443", "http://127.0.0.1:1939"],
      ["funnel", "--https=443", "off"],
    ]);
    expect(tools.calls("cloudflared")).toEqual([]);
    expect(stored(home)).toBeNull();
  });

  test("a cloudflared quick tunnel otherwise: runs in the background, its URL becomes the origin; off stops it", async () => {
    const tools = fakeTools({ cloudflared: CLOUDFLARED });
    const env = { PATH: tools.dir, PORT: "4568" };
    const home = tempHome();
    const r = await runCliWith(home, ["expose", "public"], env);
    expect(r.code).toBe(0);
    const record = stored(home)!;
    tunnels.add(record.pid!);
    expect(record).toEqual({
      mode: "public",
      origin: QUICK_ORIGIN,
      tool: "cloudflared",
      port: 4568,
      pid: record.pid,
    });
    expect(isQuickTunnel(record.pid!)).toBe(true);
    expect(tools.calls("cloudflared")).toEqual([
      ["tunnel", "--no-autoupdate", "--url", "http://127.0.0.1:4568"],
    ]);
    expect(r.stdout).toContain(`the hub is on the internet at ${QUICK_ORIGIN}`);
    expect(readFileSync(join(home, "logs", "cloudflared.log"), "utf8")).toContain(QUICK_ORIGIN);

    const again = await runCliWith(home, ["expose", "public"], env);
    expect(again.stdout).toContain(`already on the internet at ${QUICK_ORIGIN}`);
    expect(tools.calls("cloudflared")).toHaveLength(1);

    const hub = await startHub(home);
    try {
      expect(await wellKnownOrigin(hub.origin)).toBe(QUICK_ORIGIN);
    } finally {
      await hub.stop();
    }

    const off = await runCliWith(home, ["expose", "public", "off"], env);
    expect(off.code).toBe(0);
    expect(isQuickTunnel(record.pid!)).toBe(false);
    expect(stored(home)).toBeNull();
  }, 30_000);

  test("tailscale logged out: the quick tunnel instead, and it says why", async () => {
    const tools = fakeTools({ tailscale: tailscale("NeedsLogin"), cloudflared: CLOUDFLARED });
    const home = tempHome();
    const r = await runCliWith(home, ["expose", "public"], { PATH: tools.dir });
    const record = stored(home);
    if (record?.pid) tunnels.add(record.pid);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("tailscale is not connected (NeedsLogin); using a cloudflared quick tunnel");
    expect(record?.tool).toBe("cloudflared");
    expect(tools.calls("tailscale")).toEqual([["status", "--json"]]);
    expect((await runCliWith(home, ["expose", "public", "off"], { PATH: tools.dir })).code).toBe(0);
    expect(isQuickTunnel(record!.pid!)).toBe(false);
  });

  test("cloudflared that exits without a URL: its words, exit 1, nothing stored", async () => {
    const tools = fakeTools({
      cloudflared: `echo 'ERR failed to request quick Tunnel: Post "https://api.trycloudflare.com/tunnel": no route' >&2; exit 1`,
    });
    const home = tempHome();
    const r = await runCliWith(home, ["expose", "public"], { PATH: tools.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cloudflared exited (1) before it printed a tunnel URL");
    expect(r.stderr).toContain("failed to request quick Tunnel");
    expect(stored(home)).toBeNull();
  });
});

describe("the stored origin", () => {
  test("comes after the environment's, and a quick tunnel's only while its process runs", async () => {
    const home = tempHome();
    const ended = Bun.spawn(["true"]);
    await ended.exited;
    writeExposure(home, {
      mode: "public",
      origin: QUICK_ORIGIN,
      tool: "cloudflared",
      port: 1939,
      pid: ended.pid,
    });
    expect(configuredOrigin({}, home)).toBeNull();
    writeExposure(home, { mode: "tailnet", origin: TS_ORIGIN, tool: "tailscale", port: 1939 });
    expect(configuredOrigin({}, home)).toBe(TS_ORIGIN);
    expect(configuredOrigin({ PARACHUTE_HUB_ORIGIN: "https://hub.example.org" }, home)).toBe(
      "https://hub.example.org",
    );
    expect(configuredOrigin({ FLY_APP_NAME: "my-hub" }, home)).toBe("https://my-hub.fly.dev");
  });

  test("a damaged expose.json is reported with its path, by expose and by serve (exit 7)", async () => {
    const home = tempHome();
    writeFileSync(join(home, "expose.json"), '{"mode":"tailnet","origin":"javascript:alert(1)"}');
    const r = await runCliWith(home, ["expose", "tailnet", "off"], { PATH: tempHome() });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain(join(home, "expose.json"));
    const serve = await runCli(home, ["serve", "--port", "0"]);
    expect(serve.code).toBe(7);
    expect(serve.stderr).toContain(join(home, "expose.json"));
  }, 30_000);
});

describe("when expose has nothing to do, or no tool", () => {
  test("tailscale missing for tailnet, and both tools missing for public: what to install, exit 7", async () => {
    const home = tempHome();
    const env = { PATH: tempHome() };
    const tailnet = await runCliWith(home, ["expose", "tailnet"], env);
    expect(tailnet.code).toBe(7);
    expect(tailnet.stderr).toContain(
      "needs tailscale, which is not installed: https://tailscale.com/download",
    );
    const pub = await runCliWith(home, ["expose", "public"], env);
    expect(pub.code).toBe(7);
    expect(pub.stderr).toContain("needs tailscale");
    expect(pub.stderr).toContain("or cloudflared");
    expect(stored(home)).toBeNull();
  });

  test("a refused switch leaves the current exposure as it was", async () => {
    const tools = fakeTools({ tailscale: tailscale() });
    const home = tempHome();
    expect((await runCliWith(home, ["expose", "tailnet"], { PATH: tools.dir })).code).toBe(0);
    const r = await runCliWith(home, ["expose", "public"], { PATH: tempHome() });
    expect(r.code).toBe(7);
    expect(stored(home)?.mode).toBe("tailnet");
    expect(tools.calls("tailscale")).toHaveLength(2);
  });

  test("a platform or operator origin already in the environment: skipped with a message, exit 0", async () => {
    const tools = fakeTools({ tailscale: tailscale(), cloudflared: CLOUDFLARED });
    const home = tempHome();
    const fly = await runCliWith(home, ["expose", "public"], { PATH: tools.dir, FLY_APP_NAME: "my-hub" });
    expect(fly.code).toBe(0);
    expect(fly.stdout.trim()).toBe(
      "the hub's origin is already https://my-hub.fly.dev (from FLY_APP_NAME); nothing to expose",
    );
    const set = await runCliWith(home, ["expose", "tailnet"], {
      PATH: tools.dir,
      PARACHUTE_HUB_ORIGIN: "https://hub.example.org/",
    });
    expect(set.code).toBe(0);
    expect(set.stdout).toContain("already https://hub.example.org (from PARACHUTE_HUB_ORIGIN)");
    expect(tools.calls("tailscale")).toEqual([]);
    expect(tools.calls("cloudflared")).toEqual([]);
    expect(stored(home)).toBeNull();
  });

  test("off when not exposed says so (exit 0); bad arguments exit 2", async () => {
    const home = tempHome();
    const off = await runCliWith(home, ["expose", "tailnet", "off"], { PATH: tempHome() });
    expect(off.code).toBe(0);
    expect(off.stdout.trim()).toBe("the hub is not exposed on your tailnet");
    for (const args of [
      ["expose"],
      ["expose", "internet"],
      ["expose", "public", "of"],
      ["expose", "tailnet", "off", "x"],
    ]) {
      const r = await runCliWith(home, args, { PATH: tempHome() });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("usage: npx parachute expose tailnet|public [off]");
    }
  });
});
