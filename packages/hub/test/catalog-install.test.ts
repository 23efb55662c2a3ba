import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type HubProcess, runProgram, startHub, tempHome } from "../testing/hub-process.ts";

const ROOT = join(import.meta.dir, "..", "..", "..");
let hub: HubProcess | null = null;
afterEach(async () => {
  await hub?.stop();
  hub = null;
});

/** A folder source holding the checkout's packed modules, plus extra hand-made packages. */
async function folderSource(): Promise<string> {
  const dir = tempHome();
  const packed = await runProgram(
    [process.execPath, join(ROOT, "scripts", "pack-modules.ts"), "--out", dir],
    {},
  );
  expect(packed.code, packed.stderr).toBe(0);
  return dir;
}

function tarball(
  dir: string,
  name: string,
  pkg: Record<string, unknown>,
  manifest?: Record<string, unknown>,
): void {
  const work = tempHome();
  mkdirSync(join(work, "package", ".parachute"), { recursive: true });
  writeFileSync(join(work, "package", "package.json"), JSON.stringify({ name, version: "1.0.0", ...pkg }));
  if (manifest) writeFileSync(join(work, "package", ".parachute", "module.json"), JSON.stringify(manifest));
  expect(Bun.spawnSync(["tar", "-czf", join(dir, `${name}-1.0.0.tgz`), "-C", work, "package"]).exitCode).toBe(
    0,
  );
}

const services = (h: HubProcess) => readFileSync(join(h.home, "services.json"), "utf8");

describe("installing by catalog name or package spec", () => {
  test("a catalog module installs from a folder source into modules/ with a lockfile, and answers", async () => {
    const source = await folderSource();
    hub = await startHub(tempHome(), { PARACHUTE_MODULE_SOURCE: source });
    const res = await hub.op("POST", "/api/modules/install", { short: "vault" });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(
      existsSync(join(hub.home, "modules", "node_modules", "@parachute", "vault", "dist", "main.js")),
    ).toBe(true);
    expect(existsSync(join(hub.home, "modules", "bun.lock"))).toBe(true);
    // Asking again from another source names where it came from, and how to change its version.
    const other = tempHome();
    const again = await hub.op("POST", "/api/modules/install", { short: "vault@beta", source: other });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { message: string }).message).toBe(
      `vault 0.1.0 is already installed (from the hub's default source); to change its version or channel, run \`parachute upgrade vault --version <version|channel>\``,
    );
    expect(
      JSON.parse(readFileSync(join(hub.home, "modules", "package.json"), "utf8")).dependencies,
    ).toHaveProperty("@parachute/vault");
    const { token } = (await (await hub.api("POST", "/api/tokens", { scope: "vault:read" })).json()) as {
      token: string;
    };
    expect(
      (await fetch(`${hub.origin}/vault/default/api/info`, { headers: { authorization: `Bearer ${token}` } }))
        .status,
    ).toBe(200);

    expect((await hub.op("POST", "/api/modules/vault/uninstall")).status).toBe(200);
    expect(existsSync(join(hub.home, "modules", "node_modules", "@parachute", "vault"))).toBe(false);
    expect(
      JSON.parse(readFileSync(join(hub.home, "modules", "package.json"), "utf8")).dependencies ?? {},
    ).not.toHaveProperty("@parachute/vault");
    expect(existsSync(join(hub.home, "vault", "default", "vault.db"))).toBe(true);
  }, 60_000);

  test("notes and scribe install by catalog name as self-contained packs; notes serves its built app", async () => {
    const source = await folderSource();
    hub = await startHub(tempHome(), { PARACHUTE_MODULE_SOURCE: source });
    for (const short of ["vault", "notes", "scribe"]) {
      const res = await hub.op("POST", "/api/modules/install", { short });
      expect(res.status, await res.clone().text()).toBe(200);
    }
    const installed = join(hub.home, "modules", "node_modules", "@parachute", "notes");
    expect(existsSync(join(installed, "dist", "web", "index.html"))).toBe(true);
    expect(existsSync(join(installed, "web"))).toBe(false); // the build ships, not the sources
    const { token } = (await (await hub.api("POST", "/api/tokens", { scope: "notes:admin" })).json()) as {
      token: string;
    };
    const page = await fetch(`${hub.origin}/notes/`, { headers: { authorization: `Bearer ${token}` } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    const script = /src="(\/notes\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${hub.origin}${script}`, { headers: { authorization: `Bearer ${token}` } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toContain("immutable");
    // A stranger is sent to log in; the web manifest is public, as browsers fetch it without cookies.
    expect((await fetch(`${hub.origin}/notes/`, { redirect: "manual" })).status).toBe(401);
    expect((await fetch(`${hub.origin}/notes/manifest.webmanifest`)).status).toBe(200);
    const models = await fetch(`${hub.origin}/scribe/v1/models`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(models.status).toBe(401); // a notes token is not a scribe token
  }, 120_000);

  test("a package's lifecycle scripts never run", async () => {
    const source = tempHome();
    const mark = join(tempHome(), "postinstall-ran");
    tarball(
      source,
      "marked-module",
      { scripts: { preinstall: `touch ${mark}`, postinstall: `touch ${mark}`, install: `touch ${mark}` } },
      {
        name: "marked",
        manifestName: "marked-module",
        port: 1946,
        paths: ["/marked"],
        health: "/marked/health",
        startCmd: ["false"],
        startTimeoutMs: 500,
      },
    );
    hub = await startHub(tempHome(), { PARACHUTE_MODULE_SOURCE: source });
    const res = await hub.op("POST", "/api/modules/install", { spec: "marked-module" });
    expect(res.status).toBe(422);
    expect(existsSync(mark)).toBe(false);
  }, 30_000);

  test("bad specs, unknown names, packages without or with a bad manifest: refused, nothing installed", async () => {
    const source = tempHome();
    tarball(source, "no-manifest", {});
    tarball(source, "bad-manifest", {}, { name: "bad", manifestName: "bad-manifest", port: "x" });
    hub = await startHub(tempHome(), { PARACHUTE_MODULE_SOURCE: source });
    const before = existsSync(join(hub.home, "services.json")) ? services(hub) : "";
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ spec: "; rm -rf /" }, 400, /not a registry package name/],
      [{ spec: "../x" }, 400, /not a registry package name/],
      [{ spec: "file:/etc" }, 400, /not a registry package name/],
      [{ spec: "a".repeat(300) }, 400, /too long/],
      [{ short: "nosuchmodule" }, 422, /not in the catalog/],
      [{ spec: "no-manifest" }, 422, /module\.json/],
      [{ spec: "bad-manifest" }, 422, /"port"/],
      [{ spec: "not-there" }, 422, /does not offer not-there$/],
      [{ short: "vault", source: "ftp://x" }, 400, /registry URL or an absolute folder/],
      [{ short: "vault", spec: "x" }, 400, /exactly one/],
    ];
    for (const [body, status, message] of cases) {
      const res = await hub.op("POST", "/api/modules/install", body);
      const json = (await res.json()) as { message: string };
      expect({ body, status: res.status }).toEqual({ body, status });
      expect(json.message).toMatch(message);
    }
    expect(existsSync(join(hub.home, "services.json")) ? services(hub) : "").toBe(before);
    expect(existsSync(join(hub.home, "modules", "node_modules", "no-manifest"))).toBe(false);
    expect(existsSync(join(hub.home, "modules", "node_modules", "bad-manifest"))).toBe(false);
  }, 60_000);
});
