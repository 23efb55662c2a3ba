import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { makeFixture, setMarker } from "../testing/fixtures.ts";
import { tempHome, waitFor } from "../testing/hub-process.ts";

const BIN = join(import.meta.dir, "..", "src", "cli", "bin.ts");

/** Processes in the PID namespace `ns` (a /proc/<pid>/ns/pid link), with their state letters. */
function processesIn(ns: string): { pid: number; state: string }[] {
  const out: { pid: number; state: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/pid`) !== ns) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      out.push({ pid: Number(entry), state: stat.slice(stat.lastIndexOf(")") + 2)[0]! });
    } catch {}
  }
  return out;
}

describe("the hub as PID 1 (a container without an init)", () => {
  test("runs itself under tini, so the orphans its modules leave never pile up as zombies", async () => {
    const home = tempHome();
    setMarker(home, "orphans", "orphans");
    const proc = Bun.spawn(
      [
        "unshare",
        "--user",
        "--map-root-user",
        "--pid",
        "--fork",
        "--mount-proc",
        "--kill-child",
        process.execPath,
        BIN,
        "serve",
        "--port",
        "0",
      ],
      {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, PARACHUTE_HOME: home },
        stdout: "ignore",
        stderr: "ignore",
      },
    );
    try {
      const runtime = await waitFor(() => {
        const f = join(home, "hub.runtime.json");
        return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as { port: number }) : null;
      }, "the hub in its namespace to write its runtime file");
      const token = readFileSync(join(home, "operator.token"), "utf8").trim();
      const res = await fetch(`http://127.0.0.1:${runtime.port}/api/modules/install`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ path: makeFixture(tempHome(), { name: "orphans", port: 1947 }) }),
      });
      expect(res.status).toBe(202);
      await waitFor(
        () => Number(readFileSync(join(home, "orphans", "orphans-made"), "utf8")) >= 100,
        "the module to leave a hundred orphans",
        20_000,
      );
      // The namespace's first process is unshare's only child.
      const init = readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, "utf8").trim().split(" ")[0];
      const ns = readlinkSync(`/proc/${init}/ns/pid`);
      const zombies = processesIn(ns).filter((p) => p.state === "Z");
      // A process may be caught between its exit and its reaping; a pile-up is what must not happen.
      expect(zombies.length).toBeLessThan(5);
    } finally {
      // unshare passes SIGKILL on to the namespace's first process, and the kernel ends the rest.
      proc.kill("SIGKILL");
      await proc.exited;
    }
  }, 60_000);
});
