/** The doctor's verdicts from given facts: statfs numbers, file modes, origins, clocks, answers. */
import { describe, expect, test } from "bun:test";
import type { ServiceRow } from "@parachute/module-kit";
import type { ModuleStatus } from "../api-types.ts";
import { judgeClock } from "./clock.ts";
import { type FsStats, judgeDisk } from "./disk.ts";
import { judgeHome, judgeSecrets } from "./files.ts";
import { entryFiles, judgeModule } from "./modules.ts";
import { judgeOrigin } from "./origin.ts";
import { judgeToken } from "./token.ts";

const MiB = 1024 * 1024;
/** A filesystem of `totalMiB` with `freeMiB` available, in 4 KiB blocks. */
const fs = (freeMiB: number, totalMiB: number, ffree = 100_000): FsStats => ({
  bsize: 4096,
  blocks: (totalMiB * MiB) / 4096,
  bavail: (freeMiB * MiB) / 4096,
  files: 1_000_000,
  ffree,
});

describe("disk", () => {
  test.each([
    ["plenty", fs(50 * 1024, 100 * 1024), "ok"],
    ["under 1 GB free", fs(900, 100 * 1024), "warn"],
    ["under 5% of a large disk, with 20 GB free", fs(20 * 1024, 1024 * 1024), "warn"],
    ["exactly 100 MiB free on a small disk", fs(100, 2048), "warn"],
    ["under 100 MiB free", fs(99, 100 * 1024), "fail"],
    ["a 2 MB tmpfs", fs(0.5, 2), "fail"],
    ["no inodes left", fs(50 * 1024, 100 * 1024, 12), "fail"],
  ])("%s", (_, stats, status) => {
    expect(judgeDisk("/h", stats).status).toBe(status as "ok" | "warn" | "fail");
  });

  test("the message gives free space, share and size; the fix names the home's logs and backups", () => {
    const r = judgeDisk("/h", fs(50, 1024));
    expect(r.message).toBe("only 50.0 MB free (4.9% of 1.0 GB) on the filesystem of /h; writes will fail");
    expect(r.fix).toContain("/h/logs");
    expect(r.fix).toContain("/h/backups");
  });

  test("a filesystem that reports no inode counts (btrfs) is not out of inodes", () => {
    expect(judgeDisk("/h", { ...fs(50 * 1024, 100 * 1024), files: 0, ffree: 0 }).status).toBe("ok");
  });
});

describe("home and secrets", () => {
  const dir = (mode: number, uid = 1000) => ({ path: "/h", mode: 0o40000 | mode, uid, dir: true });
  test("missing, not a folder, another user's, open to others, owner-only", () => {
    expect(judgeHome("/h", null, 1000)).toMatchObject({ status: "fail", message: "there is no home at /h" });
    expect(judgeHome("/h", { ...dir(0o700), dir: false }, 1000).status).toBe("fail");
    expect(judgeHome("/h", dir(0o700, 0), 1000)).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("chown"),
    });
    expect(judgeHome("/h", dir(0o755), 1000)).toMatchObject({ status: "warn", fix: "chmod 700 /h" });
    expect(judgeHome("/h", dir(0o700), 1000).status).toBe("ok");
  });

  test("a secret readable by group or others fails with the chmod that fixes every one of them", () => {
    const f = (path: string, mode: number, uid = 1000) => ({ path, mode: 0o100000 | mode, uid, dir: false });
    const r = judgeSecrets(
      [f("/h/operator.token", 0o600), f("/h/hub.db", 0o644), f("/h/vault/.env", 0o640)],
      1000,
    );
    expect(r).toEqual({
      check: "secrets",
      status: "fail",
      message:
        "2 files holding credentials can be read by other users: /h/hub.db (0644), /h/vault/.env (0640)",
      fix: "chmod 600 /h/hub.db /h/vault/.env",
    });
    expect(judgeSecrets([f("/h/operator.token", 0o600, 0)], 1000).status).toBe("fail");
    expect(judgeSecrets([f("/h/operator.token", 0o600)], 1000).status).toBe("ok");
  });
});

describe("origin", () => {
  test.each([
    ["nothing configured, loopback", null, null, "127.0.0.1", "ok"],
    ["https on a platform, every interface", "https://me.fly.dev", null, "0.0.0.0", "ok"],
    ["every interface, no origin", null, null, "0.0.0.0", "warn"],
    ["every interface, http origin", "http://hub.lan", null, "0.0.0.0", "warn"],
    ["loopback, http on a network name", "http://hub.lan", null, "127.0.0.1", "warn"],
    ["not a URL", "hub.example.com", null, "127.0.0.1", "fail"],
    ["not http(s)", "ftp://hub.example.com", null, "127.0.0.1", "fail"],
    ["the running hub uses another origin", "https://a.example", "https://b.example", "127.0.0.1", "warn"],
    ["the running hub's loopback origin", null, "http://127.0.0.1:1939", "127.0.0.1", "ok"],
  ])("%s", (_, configured, running, bind, status) => {
    expect(judgeOrigin(configured, running, bind).status).toBe(status as "ok" | "warn" | "fail");
  });
});

describe("clock", () => {
  const now = Date.parse("2026-05-01T12:00:00.400Z");
  test("the hub's Date header, whole seconds, agrees", () => {
    expect(judgeClock(now, "Fri, 01 May 2026 12:00:00 GMT", null).status).toBe("ok");
  });
  test("a minute of skew is a warning that says which way", () => {
    const r = judgeClock(now, "Fri, 01 May 2026 12:01:00 GMT", null);
    expect(r).toMatchObject({ status: "warn", message: "the hub's clock is 60 s ahead of this machine's" });
  });
  test("an operator token issued in the future means the clock went back", () => {
    expect(judgeClock(now, null, now / 1000 + 3600).status).toBe("warn");
    expect(judgeClock(now, null, now / 1000 - 3600).status).toBe("ok");
  });
});

describe("operator token", () => {
  const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;
  const now = Date.parse("2026-05-01T12:00:00Z");
  const valid = jwt({ exp: now / 1000 + 86400, iat: now / 1000 });
  test.each([
    ["missing, no hub", { kind: "missing" }, null, "ok"],
    ["missing, hub running", { kind: "missing" }, { status: 0 }, "fail"],
    ["a folder", { kind: "not-a-file", what: "a folder" }, null, "fail"],
    ["unreadable", { kind: "unreadable", reason: "EACCES" }, null, "fail"],
    ["not a token", { kind: "read", token: "hello" }, null, "fail"],
    ["expired, no hub", { kind: "read", token: jwt({ exp: now / 1000 - 1 }) }, null, "warn"],
    ["a token, no hub", { kind: "read", token: valid }, null, "ok"],
    ["refused by the hub", { kind: "read", token: valid }, { status: 401 }, "fail"],
    ["accepted by the hub", { kind: "read", token: valid }, { status: 200 }, "ok"],
    ["the hub errs", { kind: "read", token: valid }, { status: 500 }, "warn"],
  ] as const)("%s", (_, file, answer, status) => {
    expect(judgeToken("/h/operator.token", file, answer, now).status).toBe(status);
  });
});

describe("modules", () => {
  test("entry files: a command given as a path and script arguments, not flags or subcommands", () => {
    expect(entryFiles(["bun", "src/main.ts"], "/p")).toEqual(["/p/src/main.ts"]);
    expect(entryFiles(["./bin/server", "--port", "serve"], "/p")).toEqual(["/p/bin/server"]);
    expect(entryFiles(["node", "--enable-x", "/abs/s.mjs"], "/p")).toEqual(["/abs/s.mjs"]);
    expect(entryFiles(["bun", "run", "start"], "/p")).toEqual([]);
  });

  const row = { name: "vault", version: "1.2.0", package: "@parachute/vault" } as ServiceRow;
  const pkg = { manifest: { startCmd: ["bun", "src/main.ts"] } as never, entries: ["/p/src/main.ts"] };
  const status = (s: Partial<ModuleStatus>) => ({ kind: "status", status: s as ModuleStatus }) as const;

  test("a broken package fails with the reinstall that keeps the data", () => {
    expect(judgeModule(row, { problem: "its entry file /p/x.ts is missing" }, { kind: "unlisted" })).toEqual({
      check: "module:vault",
      status: "fail",
      message: "vault 1.2.0: its entry file /p/x.ts is missing",
      fix: "reinstall it: `parachute uninstall vault`, then `parachute install @parachute/vault` (its data folder is kept)",
    });
  });

  test.each([
    ["active", { state: "active", wanted: true }, "ok"],
    ["stopped by the operator", { state: "inactive", wanted: false }, "ok"],
    ["pending", { state: "pending", wanted: true, reason: "restarting" }, "warn"],
    ["inactive though wanted", { state: "inactive", wanted: true }, "warn"],
    ["failing", { state: "failing", wanted: true, reason: "exited with code 3" }, "fail"],
  ] as const)("%s", (_, s, verdict) => {
    expect(judgeModule(row, pkg, status(s)).status).toBe(verdict);
  });

  test("the hub's reason is in a failing module's line", () => {
    const r = judgeModule(row, pkg, status({ state: "failing", reason: "exited with code 3" }));
    expect(r.message).toBe("vault 1.2.0 is failing: exited with code 3");
  });
});
