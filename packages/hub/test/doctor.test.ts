/**
 * `parachute doctor` end to end: the CLI as a real process against real homes, a real hub with a
 * fixture module installed into `modules/node_modules`, and each fault seeded for real (a corrupt
 * file, a port held by this process, a deleted entry file, a refused token, a full tmpfs).
 */
import { describe, expect, test } from "bun:test";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LONG } from "../testing/cli.ts";
import { makeFixture, setMarker } from "../testing/fixtures.ts";
import {
  type HubProcess,
  runCli,
  runProgram,
  startHub,
  tempHome,
  waitForState,
} from "../testing/hub-process.ts";

const BIN = join(import.meta.dir, "..", "src", "cli", "bin.ts");
const FIXTURE_SERVER = join(import.meta.dir, "..", "testing", "fixture-server.ts");

interface Check {
  check: string;
  status: "ok" | "warn" | "fail";
  message: string;
  fix: string | null;
}

/** Runs `parachute doctor` against a home; `--json` unless other arguments are given. */
async function doctor(home: string, env: Record<string, string> = {}, args = ["--json"]) {
  const r = await runProgram([process.execPath, BIN, "doctor", ...args], { PARACHUTE_HOME: home, ...env });
  const json = args.includes("--json") ? (JSON.parse(r.stdout) as { checks: Check[]; ok: boolean }) : null;
  const check = (id: string) => json?.checks.find((c) => c.check === id);
  return { ...r, json, check };
}

/** Every file under a folder, so a test can show that doctor left a home as it found it. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/**
 * A module source (a folder of tarballs) offering `fixture-<name>`, whose start command runs a
 * script inside its own package (`bun server.ts`), so the package has an entry file to lose.
 */
function sourceWithEntry(name: string): string {
  const work = mkdtempSync(join(tmpdir(), "doctor-fixture-"));
  try {
    const dir = makeFixture(work, { name, startTimeoutMs: 1500 });
    const manifestPath = join(dir, ".parachute", "module.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, startCmd: ["bun", "server.ts"] }));
    writeFileSync(join(dir, "server.ts"), `import ${JSON.stringify(FIXTURE_SERVER)};\n`);
    renameSync(dir, join(work, "package"));
    const source = tempHome();
    const tar = Bun.spawnSync([
      "tar",
      "-czf",
      join(source, `fixture-${name}-1.0.0.tgz`),
      "-C",
      work,
      "package",
    ]);
    if (tar.exitCode !== 0) throw new Error(`tar failed: ${tar.stderr}`);
    return source;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A hub with the fixture `doc` installed from a module source, active. */
async function hubWithModule(): Promise<HubProcess> {
  const hub = await startHub(tempHome(), { PARACHUTE_MODULE_SOURCE: sourceWithEntry("doc") });
  const r = await runCli(hub.home, ["install", "fixture-doc"]);
  if (r.code !== 0) {
    await hub.stop();
    throw new Error(`install exited ${r.code}: ${r.stderr}`);
  }
  return hub;
}

/** Whether this machine lets the tests mount a tmpfs (root on Linux); the reason when it does not. */
function tmpfsRefusal(): string | null {
  if (process.platform !== "linux") return "tmpfs mounts are a Linux test";
  const dir = mkdtempSync(join(tmpdir(), "doctor-tmpfs-probe-"));
  try {
    const r = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir], { stderr: "pipe" });
    if (r.exitCode !== 0) return `mount -t tmpfs is not permitted here (${r.stderr.toString().trim()})`;
    Bun.spawnSync(["umount", dir]);
    return null;
  } catch (err) {
    return `mount cannot be run (${(err as Error).message})`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const noTmpfs = tmpfsRefusal();
if (noTmpfs) console.warn(`doctor.test.ts: skipping the full-disk test: ${noTmpfs}`);

describe("parachute doctor", () => {
  test(
    "a healthy home with a running hub and a module: every check ok, exit 0, the --json shape",
    async () => {
      const hub = await hubWithModule();
      try {
        const r = await doctor(hub.home);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(Object.keys(r.json!).sort()).toEqual(["checks", "ok"]);
        expect(r.json!.ok).toBe(true);
        for (const c of r.json!.checks)
          expect(Object.keys(c).sort()).toEqual(["check", "fix", "message", "status"]);
        expect(r.json!.checks.map((c) => c.check)).toEqual([
          "home",
          "secrets",
          "disk",
          "database",
          "services",
          "hub",
          "port",
          "token",
          "origin",
          "clock",
          "module:doc",
        ]);
        expect(r.json!.checks.filter((c) => c.status !== "ok")).toEqual([]);
        expect(r.check("hub")!.message).toContain(`answers on port ${hub.port}`);
        expect(r.check("token")!.message).toContain("the running hub accepts the operator token");
        expect(r.check("module:doc")!.message).toContain("doc 1.0.0 is active");
        expect(r.check("module:doc")!.message).toContain(
          join("modules", "node_modules", "fixture-doc", "server.ts"),
        );

        const text = await doctor(hub.home, {}, []);
        expect(text.code).toBe(0);
        const lines = text.stdout.trim().split("\n");
        expect(lines).toHaveLength(12);
        expect(lines.slice(0, 11).every((l) => l.startsWith("✓ "))).toBe(true);
        expect(lines[11]).toBe("all 11 checks passed");
      } finally {
        await hub.stop();
      }
      // Stopped: hub.db is checked without anything created beside it, and no hub is only a warning.
      const before = listing(hub.home);
      const r = await doctor(hub.home, { PORT: "0" });
      expect(r.code).toBe(0);
      expect(r.check("database")!.status).toBe("ok");
      expect(r.check("hub")).toMatchObject({ status: "warn", fix: expect.stringContaining("serve") });
      expect(r.check("module:doc")!.message).toContain("state not checked: no hub is running");
      expect(listing(hub.home)).toEqual(before);
    },
    LONG,
  );

  test(
    "a module whose entry file is gone from modules/node_modules: failing, with how to reinstall it",
    async () => {
      const hub = await hubWithModule();
      try {
        const entry = join(hub.home, "modules", "node_modules", "fixture-doc", "server.ts");
        rmSync(entry);
        const r = await doctor(hub.home);
        expect(r.code).toBe(1);
        expect(r.json!.ok).toBe(false);
        expect(r.check("module:doc")).toEqual({
          check: "module:doc",
          status: "fail",
          message: `doc 1.0.0: its entry file ${entry} is missing`,
          fix: "reinstall it: `npx parachute uninstall doc`, then `npx parachute install fixture-doc` (its data folder is kept)",
        });
        expect(r.json!.checks.filter((c) => c.status === "fail").map((c) => c.check)).toEqual(["module:doc"]);
      } finally {
        await hub.stop();
      }
    },
    LONG,
  );

  test(
    "a module the running hub has failing: fails with the hub's reason and where to look",
    async () => {
      const hub = await hubWithModule();
      try {
        setMarker(hub.home, "doc", "nobind");
        await runCli(hub.home, ["restart", "doc"]);
        await waitForState(hub, "doc", "failing");
        const r = await doctor(hub.home);
        expect(r.code).toBe(1);
        expect(r.check("module:doc")).toEqual({
          check: "module:doc",
          status: "fail",
          message: "doc 1.0.0 is failing: did not become ready within 1500 ms",
          fix: "see why with `npx parachute logs doc`, then `npx parachute restart doc`",
        });
      } finally {
        await hub.stop();
      }
    },
    LONG,
  );

  test(
    "an operator token that cannot be read, or that the hub refuses, fails with the fix",
    async () => {
      const hub = await startHub(tempHome());
      const tokenFile = join(hub.home, "operator.token");
      const good = readFileSync(tokenFile, "utf8");
      try {
        chmodSync(tokenFile, 0o000);
        let readable = true;
        try {
          readFileSync(tokenFile);
        } catch {
          readable = false;
        }
        if (!readable) {
          const r = await doctor(hub.home);
          expect(r.code).toBe(1);
          expect(r.check("token")).toMatchObject({
            status: "fail",
            fix: expect.stringContaining("chmod 600"),
          });
          expect(r.check("token")!.message).toContain(`${tokenFile} cannot be read`);
        } else {
          // Root reads a mode-000 file all the same: unreadable is a folder in the token's place here.
          rmSync(tokenFile);
          mkdirSync(tokenFile, { mode: 0o700 });
          const r = await doctor(hub.home);
          expect(r.code).toBe(1);
          expect(r.check("token")).toEqual({
            check: "token",
            status: "fail",
            message: `${tokenFile} is a folder, not a token`,
            fix: `remove it (rm -r ${tokenFile}) and restart the hub: at start it writes a new one`,
          });
          rmSync(tokenFile, { recursive: true });
        }

        // A token the hub did not issue (its signature altered): the hub answers 401.
        const [head, body, sig] = good.trim().split(".");
        const forged = `${head}.${body}.${sig!.slice(0, -4)}${sig!.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
        writeFileSync(tokenFile, `${forged}\n`, { mode: 0o600 });
        chmodSync(tokenFile, 0o600);
        const r = await doctor(hub.home);
        expect(r.code).toBe(1);
        expect(r.check("token")).toEqual({
          check: "token",
          status: "fail",
          message: `the running hub refuses the operator token in ${tokenFile} (401)`,
          fix: "restart the hub (`npx parachute serve`): at start it replaces a token it does not accept",
        });
        expect(r.check("hub")!.status).toBe("ok");
      } finally {
        rmSync(tokenFile, { recursive: true, force: true });
        writeFileSync(tokenFile, good, { mode: 0o600 });
        await hub.stop();
      }
    },
    LONG,
  );

  test("a corrupt services.json fails naming the file and the good .bak to restore; nothing is changed", async () => {
    const home = tempHome();
    const services = join(home, "services.json");
    writeFileSync(services, '{"services": [');
    const row = {
      name: "vault",
      manifestName: "parachute-vault",
      port: 1940,
      paths: ["/vault"],
      health: "/vault/health",
      version: "0.1.0",
      installDir: "/nowhere",
    };
    writeFileSync(`${services}.bak`, JSON.stringify({ services: [row] }));
    const before = listing(home);

    const r = await doctor(home, { PORT: "0" }, []);
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    const at = lines.findIndex((l) => l.startsWith("✗ services"));
    expect(lines[at]).toContain(`${services}: is not valid JSON`);
    expect(lines[at]).toContain("the hub refuses to start with it");
    expect(lines[at + 1]!.trim()).toBe(
      `fix: Repair the file by hand, or restore the last good copy from services.json.bak: cp ${services}.bak ${services} (it lists vault)`,
    );
    expect(lines.at(-2)).toBe("1 failure, 1 warning");
    expect(readFileSync(services, "utf8")).toBe('{"services": [');
    expect(listing(home)).toEqual(before);
  });

  test("a corrupt hub.db fails, and is only read", async () => {
    const home = tempHome();
    const db = join(home, "hub.db");
    writeFileSync(db, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 37) % 251)), { mode: 0o600 });
    const before = listing(home);
    const r = await doctor(home, { PORT: "0" });
    expect(r.code).toBe(1);
    expect(r.check("database")).toMatchObject({
      status: "fail",
      message: `${db} is not a usable database (file is not a database)`,
      fix: expect.stringContaining("restore it from a backup, or move it aside to start over"),
    });
    expect(listing(home)).toEqual(before);
  });

  test("with no hub running, a port held by another program fails naming that program", async () => {
    const home = tempHome();
    const squatter = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const r = await doctor(home, { PORT: String(squatter.port) });
      expect(r.code).toBe(1);
      expect(r.check("hub")!.status).toBe("warn");
      const port = r.check("port")!;
      expect(port.status).toBe("fail");
      expect(port.message).toStartWith(`port ${squatter.port} is in use by pid ${process.pid} (`);
      expect(port.message).toContain(`cannot listen on 127.0.0.1:${squatter.port}`);
      expect(port.fix).toContain("`npx parachute serve --port <N>`");
    } finally {
      squatter.stop(true);
    }
    // The same port, now free: serve could take it.
    const r = await doctor(home, { PORT: String(squatter.port) });
    expect(r.check("port")!.status).toBe("ok");
  });

  test.skipIf(noTmpfs !== null)("a home on a nearly full disk fails the disk check", async () => {
    const mount = mkdtempSync(join(tmpdir(), "doctor-tmpfs-"));
    const mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mount], {
      stderr: "pipe",
    });
    expect(mounted.exitCode, mounted.stderr.toString()).toBe(0);
    try {
      writeFileSync(join(mount, "filler"), Buffer.alloc(1900 * 1024));
      const r = await doctor(mount, { PORT: "0" });
      expect(r.code).toBe(1);
      expect(r.check("home")!.status).toBe("ok");
      const disk = r.check("disk")!;
      expect(disk.status).toBe("fail");
      expect(disk.message).toMatch(
        /^only 0\.\d MB free \(\d+\.\d% of 2\.0 MB\) on the filesystem of .*; writes will fail$/,
      );
      expect(disk.fix).toContain(`${mount}/logs`);
    } finally {
      Bun.spawnSync(["umount", mount]);
      rmSync(mount, { recursive: true, force: true });
    }
  });

  test("a bad --port is a usage error", async () => {
    const r = await doctor(tempHome(), {}, ["--port", "http"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("usage: npx parachute doctor [--json] [--port N]");
  });
});
