/**
 * The `parachute` CLI end to end: a real hub process (`serve --port 0`), the CLI as a real process
 * against the same PARACHUTE_HOME, and fixture modules as real child processes.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import {
  answers,
  installFixture,
  LONG,
  MODULE_KEYS,
  moduleStatus,
  packagesDir,
  statusJson,
  withHub,
} from "../testing/cli.ts";
import { makeFixture } from "../testing/fixtures.ts";
import {
  pidAlive,
  runCli,
  startHub,
  TEST_ADMIN,
  TEST_SETUP_TOKEN,
  tempHome,
  waitFor,
} from "../testing/hub-process.ts";

const FIXTURE_SERVER = join(import.meta.dir, "..", "testing", "fixture-server.ts");

describe("usage", () => {
  test("help prints the usage and exits 0", async () => {
    const r = await runCli(tempHome(), ["help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("usage: parachute <command> [options]");
    expect(r.stdout).toContain("exit codes:");
    expect(r.stderr).toBe("");
  });

  test("version prints the hub's version and exits 0", async () => {
    const r = await runCli(tempHome(), ["version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  test("no command exits 2 with the usage on stderr", async () => {
    const r = await runCli(tempHome(), []);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("usage: parachute <command> [options]");
  });

  test("an unknown command exits 2 with one line naming it and how to list the commands", async () => {
    const r = await runCli(tempHome(), ["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toBe('unknown command "frobnicate" (npx parachute help lists them)');
  });

  test("a mistyped command gets the one it was probably meant to be", async () => {
    const r = await runCli(tempHome(), ["stauts"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'unknown command "stauts"; did you mean status? (npx parachute help lists them)',
    );
  });

  test("a module name a typo away from the catalog's is not taken for an npm package", async () => {
    const r = await runCli(tempHome(), ["install", "vualt"]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('no module "vualt" in the catalog; did you mean vault?');
    expect(r.stderr).toContain("vualt@latest");
  });

  test("an unknown option exits 2 and names the option", async () => {
    const r = await runCli(tempHome(), ["status", "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--bogus");
  });

  test("logs -n 0 exits 2", async () => {
    const r = await runCli(tempHome(), ["logs", "x", "-n", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("-n");
  });
});

describe("install", () => {
  test(
    "a path relative to the current directory installs the module, which then answers through the hub",
    async () => {
      await withHub(async (hub) => {
        const pkgs = packagesDir();
        makeFixture(pkgs, { name: "cli-rel", port: 1946 });
        const r = await runCli(hub.home, ["install", "./cli-rel"], pkgs);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(join(pkgs, "cli-rel"));
        // The public URL, not the module's internal port, on the CLI and in the hub's log.
        expect(r.stdout).toContain(`cli-rel 1.0.0 is active at ${hub.origin}/cli-rel\n`);
        expect(hub.output()).toContain("[hub] cli-rel is starting\n");
        expect(hub.output()).toContain(`[hub] cli-rel 1.0.0 is active at ${hub.origin}/cli-rel\n`);

        const res = await fetch(`${hub.origin}/cli-rel/hello`);
        expect(res.status).toBe(201);
        expect(await res.text()).toBe("hello from cli-rel");
        expect((await runCli(hub.home, ["stop", "cli-rel"])).code).toBe(0);
        await waitFor(() => hub.output().includes("[hub] cli-rel is stopped\n"), "the hub's log to say so");
      });
    },
    LONG,
  );

  test(
    "a module that is already installed is refused with 6 and keeps running",
    async () => {
      await withHub(async (hub) => {
        const pkgs = packagesDir();
        const dir = makeFixture(pkgs, { name: "cli-twice", port: 1948 });
        expect((await runCli(hub.home, ["install", dir])).code).toBe(0);
        const before = await moduleStatus(hub.home, "cli-twice");

        const again = await runCli(hub.home, ["install", dir]);
        expect(again.code).toBe(6);
        expect(again.stderr).toContain("already installed");
        // The advice is a command the user can run from here: in a checkout, through npx.
        expect(again.stderr).toContain("run `npx parachute upgrade cli-twice`");

        const after = await moduleStatus(hub.home, "cli-twice");
        expect(after?.state).toBe("active");
        expect(after?.pid).toBe(before!.pid);
      });
    },
    LONG,
  );

  test(
    "a manifest with a bad field is refused with 6 and the field is named",
    async () => {
      await withHub(async (hub) => {
        const dir = makeFixture(packagesDir(), {
          name: "cli-badport",
          manifest: {
            name: "cli-badport",
            manifestName: "parachute-cli-badport",
            port: "x",
            paths: ["/cli-badport"],
            health: "/cli-badport/health",
            startCmd: ["bun", FIXTURE_SERVER],
          },
        });
        const r = await runCli(hub.home, ["install", dir]);
        expect(r.code).toBe(6);
        expect(r.stderr).toContain('"port"');
        expect((await statusJson(hub.home)).modules).toEqual([]);
      });
    },
    LONG,
  );

  test(
    "a path that does not exist is refused with 6",
    async () => {
      await withHub(async (hub) => {
        const missing = join(packagesDir(), "no-such-package");
        const r = await runCli(hub.home, ["install", missing]);
        expect(r.code).toBe(6);
        expect(r.stderr).toContain(missing);
        expect((await statusJson(hub.home)).modules).toEqual([]);
      });
    },
    LONG,
  );
});

describe("status", () => {
  test(
    "--json prints the hub and each module with exactly the documented keys",
    async () => {
      await withHub(async (hub) => {
        await installFixture(hub, "cli-status", 1947);
        const data = await statusJson(hub.home);
        expect(Object.keys(data).sort()).toEqual(["hub", "modules"]);
        expect(data.hub.pid).toBe(hub.proc.pid);
        expect(data.hub.port).toBe(hub.port);
        expect(data.hub.version).toBe(pkg.version);
        expect(data.modules).toHaveLength(1);
        const m = data.modules[0]!;
        expect(Object.keys(m).sort()).toEqual(MODULE_KEYS);
        expect(m.short).toBe("cli-status");
        expect(m.state).toBe("active");
        expect(m.reason).toBeNull();
        expect(m.version).toBe("1.0.0");
        expect(m.restarts).toBe(0);
        expect(typeof m.port).toBe("number");
        expect(pidAlive(m.pid!)).toBe(true);
      });
    },
    LONG,
  );

  test(
    "plain status prints the hub line and a table with a header row",
    async () => {
      await withHub(async (hub) => {
        const m = await installFixture(hub, "cli-table", 1947);
        const r = await runCli(hub.home, ["status"]);
        expect(r.code).toBe(0);
        const lines = r.stdout.trimEnd().split("\n");
        expect(lines[0]).toMatch(
          new RegExp(`^hub ${pkg.version} at ${hub.origin}\\s+pid ${hub.proc.pid}\\s+up `),
        );
        expect(lines[1]).toMatch(/^MODULE\s+STATE\s+URL\s+VERSION\s+PID\s+RESTARTS\s+UPTIME\s+REASON$/);
        expect(lines[2]).toMatch(
          new RegExp(`^cli-table\\s+active\\s+${hub.origin}/cli-table\\s+1\\.0\\.0\\s+${m.pid}\\s+0\\s`),
        );
        expect(lines).toHaveLength(3);
      });
    },
    LONG,
  );

  test("until an admin exists, status says where to create one; the hub's log confirms when it is created", async () => {
    const hub = await startHub(tempHome(), {}, { setup: false });
    try {
      const before = await runCli(hub.home, ["status"]);
      expect(before.code).toBe(0);
      expect(before.stdout).toContain(`setup pending: open ${hub.origin}/admin/setup to create the admin\n`);
      expect((await statusJson(hub.home)).hub).toMatchObject({ url: hub.origin, setupPending: true });

      const res = await fetch(`${hub.origin}/api/setup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: TEST_SETUP_TOKEN, ...TEST_ADMIN }),
      });
      expect(res.status).toBe(201);
      await waitFor(
        () =>
          hub.output().includes(`[hub] admin "${TEST_ADMIN.username}" created; the setup token is spent\n`),
        "the hub's log to confirm the admin",
      );
      const after = await runCli(hub.home, ["status"]);
      expect(after.stdout).not.toContain("setup pending");
      expect((await statusJson(hub.home)).hub).toMatchObject({ setupPending: false });
    } finally {
      await hub.stop();
    }
  });

  test("with no modules, plain status says so", async () => {
    await withHub(async (hub) => {
      const r = await runCli(hub.home, ["status"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("no modules installed; add one with `npx parachute install vault`");
    });
  });
});

describe("start, stop, restart", () => {
  test(
    "stop leaves the module inactive without a process; start and restart bring it back with a new pid",
    async () => {
      await withHub(async (hub) => {
        const first = await installFixture(hub, "cli-life", 1948);

        const stop = await runCli(hub.home, ["stop", "cli-life"]);
        expect(stop.code).toBe(0);
        expect(stop.stdout).toContain("cli-life: inactive");
        const stopped = await moduleStatus(hub.home, "cli-life");
        expect(stopped?.state).toBe("inactive");
        expect(stopped?.pid).toBeNull();
        await waitFor(() => !pidAlive(first.pid!), "the stopped module's process to be gone");

        const start = await runCli(hub.home, ["start", "cli-life"]);
        expect(start.code).toBe(0);
        expect(start.stdout).toContain("cli-life: active");
        const started = await moduleStatus(hub.home, "cli-life");
        expect(started?.state).toBe("active");
        expect(started?.pid).not.toBeNull();
        expect(started?.pid).not.toBe(first.pid);

        const restart = await runCli(hub.home, ["restart", "cli-life"]);
        expect(restart.code).toBe(0);
        expect(restart.stdout).toContain("cli-life: active");
        const restarted = await moduleStatus(hub.home, "cli-life");
        expect(restarted?.state).toBe("active");
        expect(restarted?.pid).not.toBeNull();
        expect(restarted?.pid).not.toBe(started!.pid);
        expect(restarted!.restarts).toBeGreaterThan(started!.restarts);
      });
    },
    LONG,
  );

  test("restart of a stopped module starts it and exits 0", async () => {
    await withHub(async (hub) => {
      await installFixture(hub, "cli-restop", 1949);
      expect((await runCli(hub.home, ["stop", "cli-restop"])).code).toBe(0);

      const r = await runCli(hub.home, ["restart", "cli-restop"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect((await moduleStatus(hub.home, "cli-restop"))?.state).toBe("active");
    });
  }, 45_000);
});

describe("uninstall", () => {
  test(
    "removes the module and stops its process, but keeps its data folder",
    async () => {
      await withHub(async (hub) => {
        mkdirSync(join(hub.home, "cli-gone"), { recursive: true });
        writeFileSync(join(hub.home, "cli-gone", "notes.txt"), "mine");
        const m = await installFixture(hub, "cli-gone", 1947);
        expect(await answers(m.port)).toBe(true);

        const r = await runCli(hub.home, ["uninstall", "cli-gone"]);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain("cli-gone uninstalled");

        expect((await statusJson(hub.home)).modules.map((x) => x.short)).not.toContain("cli-gone");
        expect(await answers(m.port)).toBe(false);
        expect(pidAlive(m.pid!)).toBe(false);
        expect((await fetch(`${hub.origin}/cli-gone/hello`)).status).toBe(404);
        expect(readFileSync(join(hub.home, "cli-gone", "notes.txt"), "utf8")).toBe("mine");
      });
    },
    LONG,
  );
});

describe("errors and exit codes", () => {
  test(
    "start of a module that is not installed exits 5",
    async () => {
      await withHub(async (hub) => {
        const r = await runCli(hub.home, ["start", "nosuchmodule"]);
        expect(r.code).toBe(5);
        expect(r.stderr).toContain('no module named "nosuchmodule" is installed (none is installed)');

        await installFixture(hub, "cli-named", 1946);
        const typo = await runCli(hub.home, ["logs", "cli-nmaed"]);
        expect([typo.code, typo.stderr.trim()]).toEqual([
          5,
          'parachute logs: no module named "cli-nmaed" is installed; did you mean cli-named?',
        ]);
        const other = await runCli(hub.home, ["upgrade", "elsewhere"]);
        expect(other.stderr).toContain('no module named "elsewhere" is installed (installed: cli-named)');

        const jti = "00000000-0000-0000-0000-000000000000";
        const token = await runCli(hub.home, ["token", "revoke", jti]);
        expect([token.code, token.stderr.trim()]).toEqual([
          5,
          `parachute token: no token with jti ${jti}; \`npx parachute token list\` shows each token's jti`,
        ]);
      });
    },
    LONG,
  );

  test(
    "every verb that needs the hub exits 3 when no hub is running for the home",
    async () => {
      // No runtime file, so the CLI falls back to port 1939, where no test hub ever listens
      // (they all serve on port 0, and module ports are never assigned 1939).
      const home = tempHome();
      writeFileSync(join(home, "operator.token"), `pop_${"a".repeat(43)}\n`, { mode: 0o600 });
      const dir = makeFixture(packagesDir(), { name: "cli-nohub", port: 1946 });
      const verbs = [
        ["status"],
        ["status", "--json"],
        ["start", "cli-nohub"],
        ["stop", "cli-nohub"],
        ["restart", "cli-nohub"],
        ["logs", "cli-nohub"],
        ["logs", "cli-nohub", "-f"],
        ["install", dir],
        ["uninstall", "cli-nohub"],
      ];
      for (const args of verbs) {
        const r = await runCli(home, args);
        expect({ args, code: r.code }).toEqual({ args, code: 3 });
        expect(r.stderr).toContain(`no hub is running for ${home}; start it with \`npx parachute serve\``);
        expect(r.stderr).toContain("set PARACHUTE_HOME to that home");
      }
    },
    LONG,
  );

  test(
    "a hub that has gone away (stale runtime file) exits 3",
    async () => {
      const hub = await startHub(tempHome());
      const runtime = readFileSync(join(hub.home, "hub.runtime.json"), "utf8");
      await hub.stop();
      // As if the hub had been killed before it could remove its runtime file.
      writeFileSync(join(hub.home, "hub.runtime.json"), runtime);
      const r = await runCli(hub.home, ["status"]);
      expect(r.code).toBe(3);

      // Its pid and port taken by someone else's process by now: the operator token never goes there.
      const heard: string[] = [];
      const squatter = Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        fetch: (req) => {
          heard.push(req.headers.get("authorization") ?? "");
          return Response.json({ hub: { version: "0.1.0", url: "http://evil", pid: 1 }, modules: [] });
        },
      });
      try {
        const stale = { ...JSON.parse(runtime), pid: process.pid, port: squatter.port };
        writeFileSync(join(hub.home, "hub.runtime.json"), JSON.stringify(stale));
        const fooled = await runCli(hub.home, ["status"]);
        expect([fooled.code, fooled.stdout]).toEqual([3, ""]);
        expect(heard.filter((h) => h !== "")).toEqual([]);
      } finally {
        squatter.stop(true);
      }
    },
    LONG,
  );

  test(
    "what a package says reaches the operator's terminal without escape sequences",
    async () => {
      await withHub(async (hub) => {
        const key = '\u001b]0;PWNED\u0007\n[hub] admin "mallory" created';
        const dir = makeFixture(packagesDir(), {
          name: "cli-escape",
          manifest: { name: "cli-escape", manifestName: "cli-escape", [key]: 1 },
        });
        const r = await runCli(hub.home, ["install", dir]);
        expect(r.code).toBe(6);
        expect(r.stderr).toContain("\\x1b]0;PWNED\\x07");
        expect(r.stdout + r.stderr).not.toContain("\u001b");
        expect(r.stdout + r.stderr).not.toContain("\u0007");
      });
    },
    LONG,
  );

  test(
    "a wrong operator token exits 4, with or without following logs",
    async () => {
      await withHub(async (hub) => {
        await installFixture(hub, "cli-token", 1948);
        writeFileSync(join(hub.home, "operator.token"), "garbage\n");
        const status = await runCli(hub.home, ["status"]);
        expect(status.code).toBe(4);
        expect(status.stderr).toContain("operator token");
        expect((await runCli(hub.home, ["logs", "cli-token", "-f"])).code).toBe(4);
      });
    },
    LONG,
  );

  test("the operator token file is owner-only and the API refuses requests without it", async () => {
    await withHub(async (hub) => {
      expect(statSync(join(hub.home, "operator.token")).mode & 0o777).toBe(0o600);

      const bare = await fetch(`${hub.origin}/api/modules`);
      expect(bare.status).toBe(401);
      expect(bare.headers.get("www-authenticate")).toContain("Bearer");
      const wrong = await fetch(`${hub.origin}/api/modules`, {
        headers: { authorization: "Bearer not-the-token" },
      });
      expect(wrong.status).toBe(401);
      const right = await hub.api("GET", "/api/modules");
      expect(right.status).toBe(200);
    });
  });
});
