import { describe, expect, test } from "bun:test";
import {
  installFixture,
  LONG,
  moduleStatus,
  restartUntilFollowed,
  spawnCli,
  withHub,
} from "../testing/cli.ts";
import { runCli, waitFor } from "../testing/hub-process.ts";

describe("logs", () => {
  test(
    "logs -n 5 prints the last 5 lines, which are the fixture's startup lines",
    async () => {
      await withHub(async (hub) => {
        await installFixture(hub, "cli-logs", 1949);
        // Six starts leave six startup lines, more than asked for.
        for (let i = 0; i < 5; i++) expect((await runCli(hub.home, ["restart", "cli-logs"])).code).toBe(0);
        const current = await moduleStatus(hub.home, "cli-logs");

        const r = await runCli(hub.home, ["logs", "cli-logs", "-n", "5"]);
        expect(r.code).toBe(0);
        const lines = r.stdout.trimEnd().split("\n");
        expect(lines).toHaveLength(5);
        for (const line of lines) expect(line).toContain("fixture cli-logs starting");
        expect(lines.at(-1)).toContain(`as pid ${current!.pid} `);
      });
    },
    LONG,
  );

  test(
    "logs -f receives the line a restart writes, and exits 0 on SIGTERM",
    async () => {
      await withHub(async (hub) => {
        await installFixture(hub, "cli-follow", 1946);
        const follow = spawnCli(hub.home, ["logs", "cli-follow", "-f"]);
        try {
          await restartUntilFollowed(hub, "cli-follow", follow.stdout);
          expect(follow.proc.exitCode).toBeNull();
        } finally {
          follow.proc.kill("SIGTERM");
        }
        expect(await follow.proc.exited).toBe(0);
      });
    },
    LONG,
  );

  test(
    "logs -f prints the backlog at once, before any new line is written",
    async () => {
      await withHub(async (hub) => {
        const first = await installFixture(hub, "cli-backlog", 1947);
        const follow = spawnCli(hub.home, ["logs", "cli-backlog", "-f"]);
        try {
          await waitFor(
            () => follow.stdout().includes(`fixture cli-backlog starting as pid ${first.pid} `),
            "the backlog",
            5_000,
          );
        } finally {
          follow.proc.kill("SIGTERM");
        }
        expect(await follow.proc.exited).toBe(0);
      });
    },
    LONG,
  );

  test(
    "logs -f prints each line once, never both in the backlog and from the stream",
    async () => {
      await withHub(async (hub) => {
        await installFixture(hub, "cli-once", 1948);
        const follow = spawnCli(hub.home, ["logs", "cli-once", "-f"]);
        try {
          const pids = await restartUntilFollowed(hub, "cli-once", follow.stdout);
          // Let every restart's line arrive, then look for repeats.
          const last = pids.at(-1)!;
          await waitFor(() => follow.stdout().includes(`as pid ${last} `), "the last restart's line");
          const lines = follow.stdout().trimEnd().split("\n");
          expect(lines.filter((l, i) => lines.indexOf(l) !== i)).toEqual([]);
        } finally {
          follow.proc.kill("SIGTERM");
        }
        expect(await follow.proc.exited).toBe(0);
      });
    },
    LONG,
  );

  test(
    "logs of a module that is not installed exits 5, with or without -f",
    async () => {
      await withHub(async (hub) => {
        const plain = await runCli(hub.home, ["logs", "nosuchmodule"]);
        expect(plain.code).toBe(5);
        expect(plain.stderr).toContain("nosuchmodule");
        const followed = await runCli(hub.home, ["logs", "nosuchmodule", "-f"]);
        expect(followed.code).toBe(5);
      });
    },
    LONG,
  );
});
