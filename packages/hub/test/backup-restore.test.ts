/**
 * `parachute backup` and `parachute restore` with real hubs, a real vault and real archives: a backup
 * taken while notes are written restores into a fresh home with the same notes (the vault's own
 * export, byte for byte), users, tokens and modules; damaged archives change nothing.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import {
  cleanUp,
  type HubProcess,
  runCli,
  runProgram,
  startHub,
  tempHome,
  waitFor,
  waitForState,
} from "../testing/hub-process.ts";

afterAll(cleanUp);

const ROOT = join(import.meta.dir, "..", "..", "..");
const BIN = join(import.meta.dir, "..", "src", "cli", "bin.ts");

/** Every file under `dir`, relative, with its bytes. */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, "latin1"));
    }
  };
  walk(dir);
  return out;
}

/** Every file under `dir`, relative. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** The vault's own export of a home's default vault (its command line, on the home's files). */
async function exportVault(home: string): Promise<Map<string, string>> {
  const out = tempHome();
  const main = join(home, "modules", "node_modules", "@parachute", "vault", "dist", "main.js");
  const r = await runProgram([process.execPath, main, "export", out], { PARACHUTE_HOME: home });
  expect(r.code, r.stderr).toBe(0);
  return tree(out);
}

async function tokenLabels(hub: HubProcess): Promise<string[]> {
  const res = await hub.api("GET", "/api/tokens");
  const { tokens } = (await res.json()) as { tokens: { label: string | null; jti: string }[] };
  return tokens.map((t) => `${t.jti} ${t.label}`).sort();
}

/** Runs `tar` on a folder, for hand-made archives. */
async function tarUp(dir: string, out: string, entries: string[]) {
  const r = await runProgram(["tar", "-czf", out, "-C", dir, ...entries], {});
  expect(r.code, r.stderr).toBe(0);
}

describe("backup and restore", () => {
  test("a backup taken while notes are written restores into a fresh home with the same notes, users, tokens and modules", async () => {
    const hub = await startHub(tempHome());
    const out = tempHome();
    let stopWriting = false;
    try {
      expect((await hub.op("POST", "/api/modules/install", { short: "vault" })).status).toBe(200);
      const made = await hub.api("POST", "/api/tokens", { scope: "vault:write", label: "kept across" });
      const { token } = (await made.json()) as { token: string };
      const create = async (i: number) => {
        const res = await fetch(`${hub.origin}/vault/default/api/notes`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({
            path: `n/${i}`,
            content: `note ${i}\n${"é✓ ".repeat(i % 50)}`,
            tags: ["t"],
          }),
        });
        expect(res.status).toBe(201);
      };
      for (let i = 0; i < 40; i++) await create(i);
      const ackedBefore = 40;
      // Writes go on while the backup is taken.
      let written = ackedBefore;
      const writer = (async () => {
        while (!stopWriting) await create(written++);
      })();
      const during = await runCli(hub.home, ["backup", "--out", join(out, "during.tar.gz")]);
      stopWriting = true;
      await writer;
      expect(during.code, during.stderr).toBe(0);
      expect(written).toBeGreaterThan(ackedBefore);
      expect(during.stdout).toContain("vault 0.1.0");
      // Module data of any name, and a file that only looks like a database, come back byte for byte.
      writeFileSync(join(hub.home, "vault", "café ✓ notes.txt"), "ünïcode");
      const lookalike = Buffer.concat([Buffer.from("SQLite format 3\0", "latin1"), randomBytes(5000)]);
      writeFileSync(join(hub.home, "vault", "looks-like.db"), lookalike);
      const quiet = await runCli(hub.home, ["backup", "--out", join(out, "quiet.tar.gz")]);
      expect(quiet.code, quiet.stderr).toBe(0);
      const labels = await tokenLabels(hub);
      expect(labels.join()).toContain("kept across");
      await hub.stop();
      const original = await exportVault(hub.home);
      expect(original.size).toBe(written);

      // The quiet backup: everything, byte for byte.
      const home2 = tempHome();
      const restored = await runCli(home2, ["restore", join(out, "quiet.tar.gz")]);
      expect(restored.code, restored.stderr).toBe(0);
      expect(await exportVault(home2)).toEqual(original);
      expect(readFileSync(join(home2, "vault", "café ✓ notes.txt"), "utf8")).toBe("ünïcode");
      expect(readFileSync(join(home2, "vault", "looks-like.db")).equals(lookalike)).toBe(true);
      const hub2 = await startHub(home2); // the admin's password from the backup logs in
      try {
        await waitForState(hub2, "vault", "active");
        // Every token is there (a hub on another origin adds an operator token of its own).
        const now = await tokenLabels(hub2);
        for (const t of labels) expect(now).toContain(t);
        const mine = await hub2.api("POST", "/api/tokens", { scope: "vault:read" });
        const { token: t2 } = (await mine.json()) as { token: string };
        const count = await fetch(`${hub2.origin}/vault/default/api/info`, {
          headers: { authorization: `Bearer ${t2}` },
        });
        expect(((await count.json()) as { notes: number }).notes).toBe(written);
      } finally {
        await hub2.stop();
      }

      // The backup taken during writes: a consistent moment — every note acknowledged before it
      // began, and every note it holds whole.
      const home3 = tempHome();
      expect((await runCli(home3, ["restore", join(out, "during.tar.gz")])).code).toBe(0);
      const snapshot = await exportVault(home3);
      expect(snapshot.size).toBeGreaterThanOrEqual(ackedBefore);
      for (const [path, bytes] of snapshot) expect(bytes).toBe(original.get(path)!);
    } finally {
      stopWriting = true;
      await hub.stop();
    }
  }, 120_000);

  test("a truncated, altered or hostile archive is refused and the home is left as it was", async () => {
    const hub = await startHub(tempHome());
    const work = tempHome();
    const good = join(work, "good.tar.gz");
    try {
      expect((await runCli(hub.home, ["backup", "--out", good])).code).toBe(0);
    } finally {
      await hub.stop();
    }
    const target = tempHome();
    writeFileSync(join(target, "keep-me"), "the home as it was");
    const unchanged = () => {
      expect(readdirSync(target).sort()).toEqual(["keep-me"]);
      expect(readFileSync(join(target, "keep-me"), "utf8")).toBe("the home as it was");
    };
    const refused = async (archive: string, why: string) => {
      const r = await runCli(target, ["restore", archive, "--force"]);
      expect(r.code).toBe(6);
      expect(r.stderr).toContain(why);
      expect(r.stderr).toContain("nothing was changed");
      unchanged();
    };

    const bytes = readFileSync(good);
    writeFileSync(join(work, "truncated.tar.gz"), bytes.subarray(0, Math.floor(bytes.length / 2)));
    await refused(join(work, "truncated.tar.gz"), "not a whole Parachute backup");

    // Altered inside: a file changed after the manifest was written.
    const unpacked = join(work, "unpacked");
    mkdirSync(unpacked);
    expect((await runProgram(["tar", "-xzf", good, "-C", unpacked], {})).code).toBe(0);
    const db = readFileSync(join(unpacked, "home", "hub.db"));
    const middle = db.length >> 1;
    db.writeUInt8(db.readUInt8(middle) ^ 0xff, middle);
    writeFileSync(join(unpacked, "home", "hub.db"), db);
    await tarUp(unpacked, join(work, "altered.tar.gz"), ["manifest.json", "home"]);
    await refused(join(work, "altered.tar.gz"), "does not match its checksum");

    // A file the manifest does not list, and a link that would reach outside the home.
    const fresh = join(work, "fresh");
    mkdirSync(fresh);
    expect((await runProgram(["tar", "-xzf", good, "-C", fresh], {})).code).toBe(0);
    writeFileSync(join(fresh, "home", "extra"), "smuggled");
    await tarUp(fresh, join(work, "extra.tar.gz"), ["manifest.json", "home"]);
    await refused(join(work, "extra.tar.gz"), "extra is not in its manifest");
    symlinkSync("/etc", join(fresh, "home", "link"));
    await tarUp(fresh, join(work, "link.tar.gz"), ["manifest.json", "home"]);
    await refused(join(work, "link.tar.gz"), "home/link is not a plain file or folder");
    writeFileSync(join(work, "not-a-backup.tar.gz"), "just text");
    await refused(join(work, "not-a-backup.tar.gz"), "cannot be read as a gzipped tar");

    // Whole but without --force: a home that holds something is not replaced.
    const r = await runCli(target, ["restore", good]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain("already holds keep-me");
    unchanged();
    // With --force it is, and what it held is kept aside.
    const forced = await runCli(target, ["restore", good, "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    const aside = readdirSync(target).find((n) => n.startsWith(".restore-replaced-"))!;
    expect(readFileSync(join(target, aside, "keep-me"), "utf8")).toBe("the home as it was");
    expect(existsSync(join(target, "hub.db"))).toBe(true);
    // A home too broken to read (garbage in hub.db) is still replaced.
    writeFileSync(join(target, "hub.db"), "garbage");
    const overBroken = await runCli(target, ["restore", good, "--force"]);
    expect(overBroken.code, overBroken.stderr).toBe(0);
    expect(overBroken.stdout).toContain("the replaced hub.db could not be read");
  }, 120_000);

  test("a whole archive holding what no backup holds is refused before anything changes", async () => {
    const hub = await startHub(tempHome());
    const work = tempHome();
    const good = join(work, "good.tar.gz");
    try {
      expect((await runCli(hub.home, ["backup", "--out", good])).code).toBe(0);
    } finally {
      await hub.stop();
    }
    /** The good archive unpacked, changed by `change`, its manifest made true again, packed. */
    const crafted = async (name: string, change: (home: string) => void) => {
      const dir = join(work, name);
      mkdirSync(dir);
      expect((await runProgram(["tar", "-xzf", good, "-C", dir], {})).code).toBe(0);
      change(join(dir, "home"));
      const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
      // Sizes as they are; checksums too, but for a giant (its checksum is never reached).
      manifest.files = files(join(dir, "home")).map((path) => {
        const size = statSync(join(dir, "home", path)).size;
        const bytes = size < 1048576 ? readFileSync(join(dir, "home", path)) : Buffer.alloc(0);
        return { path, size, sha256: createHash("sha256").update(bytes).digest("hex"), mode: 0o600 };
      });
      writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
      const out = join(work, `${name}.tar.gz`);
      const r = await runProgram(["tar", "-S", "-czf", out, "-C", dir, "manifest.json", "home"], {});
      expect(r.code, r.stderr).toBe(0);
      return out;
    };
    const target = tempHome();
    const refusedWith = async (archive: string, code: number, why: string) => {
      const r = await runCli(target, ["restore", archive]);
      expect(r.stderr).toContain(why);
      expect(r.stderr).toContain("nothing was changed");
      expect(r.code).toBe(code);
      expect(readdirSync(target)).toEqual([]);
    };
    const service = (name: string) => ({
      name,
      manifestName: name,
      port: 1950,
      paths: [`/${name}`],
      health: `/${name}/health`,
      version: "1.0.0",
      installDir: "/nowhere",
    });

    // A published origin belongs to one machine; a backup never carries it.
    const expose = await crafted("expose", (home) =>
      writeFileSync(join(home, "expose.json"), '{"mode":"public","origin":"https://attacker.example"}'),
    );
    await refusedWith(expose, 6, "expose.json is not something a backup holds");
    // A module name that is a path.
    const traversal = await crafted("traversal", (home) =>
      writeFileSync(join(home, "services.json"), JSON.stringify({ services: [service("../../x")] })),
    );
    await refusedWith(traversal, 6, 'field "name" must be a module short name');
    // A package the installer would never have written: a git URL.
    const git = await crafted("git", (home) => {
      mkdirSync(join(home, "modules"));
      writeFileSync(
        join(home, "modules", "package.json"),
        JSON.stringify({ dependencies: { evil: "git+https://example.com/evil.git" } }),
      );
    });
    await refusedWith(git, 6, 'asks for "evil"');
    // A module run in place from a folder this machine does not have.
    const inPlace = await crafted("in-place", (home) =>
      writeFileSync(join(home, "services.json"), JSON.stringify({ services: [service("hello")] })),
    );
    await refusedWith(inPlace, 6, "hello ran from /nowhere, outside the home");
    // A giant (sparse, a few KB packed): refused from the listing, before a byte is written.
    const giant = await crafted("giant", (home) => {
      const r = Bun.spawnSync(["truncate", "-s", "64G", join(home, "hub.db.big")]);
      expect(r.exitCode).toBe(0);
    });
    rmSync(join(work, "giant"), { recursive: true, force: true });
    await refusedWith(giant, 6, "far more than a backup does");
  }, 120_000);

  test("on another machine the modules are reinstalled from its own source, or the restore changes nothing", async () => {
    // The packages came from a folder this "other machine" does not have.
    const source = tempHome();
    const packed = await runProgram(
      [process.execPath, join(ROOT, "scripts", "pack-modules.ts"), "--out", source],
      {},
    );
    expect(packed.code, packed.stderr).toBe(0);
    const hub = await startHub(tempHome(), { PARACHUTE_MODULE_SOURCE: source });
    const archive = join(tempHome(), "moved.tar.gz");
    try {
      expect((await hub.op("POST", "/api/modules/install", { short: "vault" })).status).toBe(200);
      expect((await runCli(hub.home, ["backup", "--out", archive])).code).toBe(0);
    } finally {
      await hub.stop();
    }
    rmSync(source, { recursive: true, force: true });

    const elsewhere = tempHome();
    const empty = tempHome();
    const missing = await runProgram([process.execPath, BIN, "restore", archive], {
      PARACHUTE_HOME: elsewhere,
      PARACHUTE_MODULE_SOURCE: empty,
    });
    expect(missing.code).toBe(6);
    expect(missing.stderr).toContain("@parachute/vault was installed from");
    expect(readdirSync(elsewhere)).toEqual([]);

    // This machine's source (the checkout's own packs) has the same package: it is used.
    const restored = await runCli(elsewhere, ["restore", archive]);
    expect(restored.code, restored.stderr).toBe(0);
    const deps = JSON.parse(readFileSync(join(elsewhere, "modules", "package.json"), "utf8")).dependencies;
    expect(deps["@parachute/vault"]).toBe(join(ROOT, "dist", "modules", "parachute-vault-0.1.0.tgz"));
    const services = JSON.parse(readFileSync(join(elsewhere, "services.json"), "utf8")).services;
    expect(services[0].installDir.startsWith(`${elsewhere}/`)).toBe(true);
    const moved = await startHub(elsewhere);
    try {
      await waitForState(moved, "vault", "active");
      // Restored beside the home it came from, still running: its module gets a port of its own.
      const third = tempHome();
      expect((await runCli(third, ["restore", archive])).code).toBe(0);
      const ports = (home: string) =>
        JSON.parse(readFileSync(join(home, "services.json"), "utf8")).services.map(
          (r: { port: number }) => r.port,
        );
      expect(ports(third)[0]).not.toBe(ports(elsewhere)[0]);
    } finally {
      await moved.stop();
    }
  }, 120_000);

  test("restore refuses a home its hub is serving", async () => {
    const hub = await startHub(tempHome());
    try {
      const archive = join(tempHome(), "b.tar.gz");
      expect((await runCli(hub.home, ["backup", "--out", archive])).code).toBe(0);
      const r = await runCli(hub.home, ["restore", archive, "--force"]);
      expect(r.code).toBe(7);
      expect(r.stderr).toContain("stop it first");
    } finally {
      await hub.stop();
    }
  }, 60_000);
});

describe("backup and restore through the hub's API", () => {
  test("a backup is fetched once; an upload is checked before anything happens, then restored over a restart", async () => {
    const hub = await startHub(tempHome(), { PARACHUTE_RESTORE_MAX_MB: "1" });
    try {
      const bearerStatus = (t: string) =>
        fetch(`${hub.origin}/api/status`, { headers: { authorization: `Bearer ${t}` } });
      const earlier = (await (
        await hub.api("POST", "/api/tokens", { scope: "hub:admin", label: "before" })
      ).json()) as {
        token: string;
        jti: string;
      };
      const made = await hub.op("POST", "/api/hub/backups");
      expect(made.status).toBe(200);
      const { download } = ((await made.json()) as { operation: { result: { download: string } } }).operation
        .result;
      const archive = await hub.api("GET", download);
      expect(archive.headers.get("content-disposition")).toMatch(/^attachment; filename="parachute-backup-/);
      const bytes = new Uint8Array(await archive.arrayBuffer());
      expect((await hub.api("GET", download)).status).toBe(404);
      expect((await hub.api("GET", "/api/hub/backups/..%2F..%2Fhub.db")).status).toBe(400);
      expect((await hub.api("GET", "/api/hub/backups/hub.db")).status).toBe(404);

      const upload = (body: Uint8Array) =>
        fetch(`${hub.origin}/api/hub/restore`, {
          method: "POST",
          headers: { authorization: `Bearer ${hub.token}`, "content-type": "application/gzip" },
          body: new Blob([body as Uint8Array<ArrayBuffer>]),
        });
      const damaged = await upload(bytes.subarray(0, bytes.length - 100));
      expect(damaged.status).toBe(400);
      expect(((await damaged.json()) as { message: string }).message).toContain(
        "not a whole Parachute backup",
      );
      expect((await upload(new Uint8Array(2 * 1048576))).status).toBe(413);
      expect(readdirSync(hub.home).filter((n) => n.startsWith(".restore"))).toEqual([]);

      // What happened after the backup stays: a token revoked since stays revoked, one made since is refused.
      expect((await hub.api("DELETE", `/api/tokens/${earlier.jti}`)).status).toBe(200);
      expect((await bearerStatus(earlier.token)).status).toBe(401);
      const later = (await (
        await hub.api("POST", "/api/tokens", { scope: "hub:admin", label: "after" })
      ).json()) as {
        token: string;
      };
      expect((await bearerStatus(later.token)).status).toBe(200);
      const res = await upload(bytes);
      expect(res.status).toBe(202);
      await waitFor(async () => {
        if (!readdirSync(hub.home).some((n) => n.startsWith(".restore-replaced-"))) return null;
        return (await hub.api("GET", "/api/status")).status === 200;
      }, "the restored hub to answer");
      for (const t of [earlier.token, later.token]) {
        const refused = await bearerStatus(t);
        expect(refused.status).toBe(401);
        expect(await refused.text()).toContain("revoked");
      }
      expect(readdirSync(hub.home).some((n) => n.startsWith(".restore-replaced-"))).toBe(true);
      expect((await hub.api("GET", "/api/status")).status).toBe(200);
    } finally {
      await hub.stop();
    }
  }, 60_000);
});
