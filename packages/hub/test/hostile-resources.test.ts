import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { makeFixture, setMarker } from "../testing/fixtures.ts";
import { type HubProcess, startHub, tempHome, waitFor } from "../testing/hub-process.ts";

const MB = 1024 * 1024;

/** The resident memory of a process, in MB, from /proc. */
function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) / 1024;
}

/** Samples `pid`'s RSS every few milliseconds while `work` runs; returns the peak, in MB. */
async function peakRssDuring(pid: number, work: () => Promise<unknown>): Promise<number> {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, rssMb(pid));
}

/** A body of `mb` megabytes, streamed (no Content-Length), made up as it is read. */
function streamedBody(mb: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(MB).fill(120);
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent++ >= mb) return c.close();
      c.enqueue(chunk);
    },
  });
}

/** Posts a body of `mb` megabytes; the answer's status, or "closed" when the hub hung up mid-body. */
async function post(url: string, mb: number, declared: boolean): Promise<number | "closed"> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: declared ? new Uint8Array(mb * MB) : streamedBody(mb),
      duplex: "half",
    } as RequestInit);
    await res.body?.cancel();
    return res.status;
  } catch {
    return "closed";
  }
}

const PUBLIC_ROUTES = [
  "/api/login",
  "/api/setup",
  "/login",
  "/oauth/token",
  "/oauth/revoke",
  "/oauth/register",
];

describe("what a stranger can make the hub hold", () => {
  let hub: HubProcess;
  beforeAll(async () => {
    hub = await startHub(tempHome());
  }, 30_000);
  afterAll(async () => {
    await hub?.stop();
  });

  test("300 MB posted to each public route is refused with 413 and the hub's memory barely moves", async () => {
    const before = rssMb(hub.proc.pid);
    const peak = await peakRssDuring(hub.proc.pid, async () => {
      for (const route of PUBLIC_ROUTES) {
        for (const declared of [true, false]) {
          const status = await post(`${hub.origin}${route}`, 300, declared);
          if (status !== "closed") expect(status, `${route} declared=${declared}`).toBe(413);
        }
      }
    });
    expect(peak - before).toBeLessThan(50);
    expect((await fetch(`${hub.origin}/health`)).status).toBe(200);
  }, 120_000);
});

describe("a module writing one huge log line", () => {
  test("is cut at 16 KB: /health keeps answering, the hub's memory and the log file stay small", async () => {
    const home = tempHome();
    const hub = await startHub(home);
    try {
      setMarker(home, "longline", "longline");
      const before = rssMb(hub.proc.pid);
      let slowest = 0;
      let installing = true;
      const install = hub
        .op("POST", "/api/modules/install", {
          path: makeFixture(tempHome(), { name: "longline" }),
        })
        .finally(() => {
          installing = false;
        });
      const peak = await peakRssDuring(hub.proc.pid, async () => {
        while (installing) {
          const at = performance.now();
          expect((await fetch(`${hub.origin}/health`)).status).toBe(200);
          slowest = Math.max(slowest, performance.now() - at);
        }
      });
      expect((await install).status).toBe(200);
      // The bench measures the figure (target < 100 ms); here it only must never stall.
      expect(slowest).toBeLessThan(1000);
      expect(peak - before).toBeLessThan(100);
      const log = join(home, "logs", "longline.log");
      await waitFor(() => readFileSync(log, "utf8").includes("after the long line"), "the line after");
      expect(statSync(log).size).toBeLessThan(MB);
      expect(readFileSync(log, "utf8")).toContain("[… cut: line longer than 16 KB]");
    } finally {
      await hub.stop();
    }
  }, 60_000);
});

describe("one client flooding a module", () => {
  test("past 64 requests waiting at once it gets 429 with Retry-After; the module and others are unharmed", async () => {
    const hub = await startHub(tempHome());
    try {
      const fixture = makeFixture(tempHome(), { name: "busy" });
      expect((await hub.op("POST", "/api/modules/install", { path: fixture })).status).toBe(200);
      // Each request keeps the module busy for 20 ms, one after another: 150 at once pile up.
      const answers = await Promise.all(
        Array.from({ length: 150 }, () => fetch(`${hub.origin}/busy/work?ms=20`)),
      );
      const refused = answers.filter((r) => r.status === 429);
      expect(answers.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(64);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]!.headers.get("retry-after")).toBe("1");
      expect(((await refused[0]!.json()) as { error: string }).error).toBe("too_many_requests");
      await Promise.all(answers.filter((r) => r !== refused[0]).map((r) => r.arrayBuffer()));
      // Once they are answered the same client is served again, and the module never left `active`.
      expect((await fetch(`${hub.origin}/busy/work?ms=1`)).status).toBe(200);
      const status = (await (await hub.api("GET", "/api/modules")).json()) as {
        modules: { short: string; state: string; restarts: number }[];
      };
      expect(status.modules.find((m) => m.short === "busy")).toMatchObject({ state: "active", restarts: 0 });
    } finally {
      await hub.stop();
    }
  }, 60_000);
});
