import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Manifest, validateManifest } from "./manifest.ts";
import { standardPaths } from "./server.ts";
import { waitFor } from "./testing.ts";

/** A running module under test, as the conformance suite needs it. */
export interface RunningModule {
  /** Origin the module listens on, e.g. `http://127.0.0.1:1940`. */
  origin: string;
  /** The manifest as read from the package. */
  manifest: unknown;
  /** Headers that carry `<name>:admin` rights, to check the settings endpoints. */
  adminHeaders?: Record<string, string>;
  /** The module's process, when the suite should also check that SIGTERM stops it in time. */
  exited?: Promise<number>;
  signal?: (sig: "SIGTERM") => void;
  stop(): Promise<void>;
}

/**
 * The module protocol's contract suite: call it from a module's own tests with a function that starts
 * the module (preferably as a real process) and it registers the tests that prove it speaks the
 * protocol (docs/product.md).
 */
export function describeConformance(label: string, start: () => Promise<RunningModule>): void {
  describe(`module conformance: ${label}`, () => {
    let mod: RunningModule;
    let manifest: Manifest;
    let paths: ReturnType<typeof standardPaths>;
    const url = (p: string) => `${mod.origin}${p}`;

    beforeAll(async () => {
      mod = await start();
      manifest = validateManifest(mod.manifest);
      paths = standardPaths(manifest);
    });
    afterAll(async () => {
      await mod?.stop();
    });

    test("the manifest passes the shared validator", () => {
      expect(manifest.name).toMatch(/^[a-z][a-z0-9-]*$/);
    });

    test("the health path answers 200 with status ok", async () => {
      const res = await fetch(url(paths.health));
      expect(res.status).toBe(200);
      expect(((await res.json()) as { status: string }).status).toBe("ok");
    });

    test("GET /.parachute/info is public and describes the module", async () => {
      const res = await fetch(url(paths.info));
      expect(res.status).toBe(200);
      const info = (await res.json()) as Record<string, unknown>;
      expect(info.name).toBe(manifest.name);
      expect(typeof info.displayName).toBe("string");
      expect(typeof info.tagline).toBe("string");
      expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    });

    test("GET /.parachute/config/schema answers an object schema", async () => {
      const res = await fetch(url(paths.schema));
      expect(res.status).toBe(200);
      expect(((await res.json()) as { type: string }).type).toBe("object");
    });

    test("settings are closed without admin rights", async () => {
      expect((await fetch(url(paths.config))).status).toBe(401);
      const put = await fetch(url(paths.config), { method: "PUT", body: "{}" });
      expect(put.status).toBe(401);
    });

    test("settings with admin rights: secrets never shown, unknown fields refused", async () => {
      if (!mod.adminHeaders) return;
      const res = await fetch(url(paths.config), { headers: mod.adminHeaders });
      expect(res.status).toBe(200);
      const view = (await res.json()) as { values: Record<string, unknown> };
      const props = (manifest.configSchema?.properties ?? {}) as Record<string, { writeOnly?: boolean }>;
      for (const [k, p] of Object.entries(props)) if (p.writeOnly) expect(view.values).not.toHaveProperty(k);
      const bad = await fetch(url(paths.config), {
        method: "PUT",
        headers: { ...mod.adminHeaders, "content-type": "application/json" },
        body: JSON.stringify({ "no-such-setting-xyz": 1 }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toBeString();
      const secret = Object.entries(props).find(
        ([, p]) => p.writeOnly && (p as { type?: string }).type === "string",
      );
      if (!secret) return;
      const set = await fetch(url(paths.config), {
        method: "PUT",
        headers: { ...mod.adminHeaders, "content-type": "application/json" },
        body: JSON.stringify({ [secret[0]]: "conformance-secret" }),
      });
      expect(set.status).toBe(200);
      const after = (await set.json()) as { values: Record<string, unknown>; secretsSet: string[] };
      expect(after.values).not.toHaveProperty(secret[0]);
      expect(after.secretsSet).toContain(secret[0]);
      expect(JSON.stringify(after)).not.toContain("conformance-secret");
    });

    test("SIGTERM stops the module within its grace period", async () => {
      if (!mod.signal || !mod.exited) return;
      const grace = manifest.stopGraceMs ?? 10_000;
      const began = performance.now();
      mod.signal("SIGTERM");
      await mod.exited;
      expect(performance.now() - began).toBeLessThan(grace);
    });
  });
}

/** A free loopback port, found by binding port 0 and letting it go. */
function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/**
 * Starts a module package the way the hub would (cwd = the package, PORT, PARACHUTE_HOME), without a
 * hub. The port is one the system just gave out; should another process take it first, the module
 * exits and is started again on another. `stop` kills it and removes its temp home.
 */
export async function startModulePackage(
  dir: string,
  adminHeaders?: Record<string, string>,
  env: Record<string, string> = {},
): Promise<RunningModule> {
  const manifest = JSON.parse(readFileSync(join(dir, ".parachute", "module.json"), "utf8"));
  const argv =
    manifest.startCmd[0] === "bun" ? [process.execPath, ...manifest.startCmd.slice(1)] : manifest.startCmd;
  const home = mkdtempSync(join(tmpdir(), "conformance-"));
  for (let attempt = 1; ; attempt++) {
    const port = freePort();
    const proc = Bun.spawn(argv, {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", PORT: String(port), PARACHUTE_HOME: home, ...env },
      stdout: "ignore",
      stderr: "inherit",
    });
    const origin = `http://127.0.0.1:${port}`;
    const up = await waitFor(
      async () =>
        proc.exitCode !== null
          ? "exited"
          : (await fetch(`${origin}${manifest.health}`).then(
              (r) => r.ok,
              () => false,
            )) && "up",
      `${dir} to become healthy`,
    );
    if (up === "exited" && attempt < 3) continue;
    if (up === "exited") throw new Error(`${dir} exited before becoming healthy`);
    return {
      origin,
      manifest,
      adminHeaders,
      exited: proc.exited,
      signal: (sig) => proc.kill(sig),
      stop: async () => {
        proc.kill("SIGKILL");
        await proc.exited;
        rmSync(home, { recursive: true, force: true });
      },
    };
  }
}
