import { readFileSync } from "node:fs";
import { makeFixture, setMarker } from "../packages/hub/testing/fixtures.ts";
import { startHub, tempHome } from "../packages/hub/testing/hub-process.ts";
import { type Row, rssMb } from "./stats.ts";

const MB = 1024 * 1024;
const PUBLIC_ROUTES = [
  "/api/login",
  "/api/setup",
  "/login",
  "/oauth/token",
  "/oauth/revoke",
  "/oauth/register",
];

/** The peak of `pid`'s RSS (MB) while `work` runs, sampled every few milliseconds. */
async function peakDuring(pid: number, work: () => Promise<unknown>): Promise<number> {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 5);
  await work();
  clearInterval(timer);
  return Math.max(peak, rssMb(pid));
}

function streamed(mb: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(MB).fill(120);
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent++ >= mb) return c.close();
      c.enqueue(chunk);
    },
  });
}

/**
 * What strangers can do to the hub: its RSS growth while 300 MB is posted to each public route
 * (declared and chunked), and the slowest `/health` while a module writes one 100 MB log line.
 */
export async function hostileBench(): Promise<Row[]> {
  const hub = await startHub(tempHome());
  const before = rssMb(hub.proc.pid);
  const peak = await peakDuring(hub.proc.pid, async () => {
    for (const route of PUBLIC_ROUTES) {
      for (const body of [() => new Uint8Array(300 * MB), () => streamed(300)]) {
        await fetch(`${hub.origin}${route}`, { method: "POST", body: body(), duplex: "half" } as RequestInit)
          .then((r) => r.body?.cancel())
          .catch(() => {});
      }
    }
  });
  await hub.stop();

  const home = tempHome();
  const logs = await startHub(home);
  setMarker(home, "longline", "longline");
  let installing = true;
  const install = logs
    .op("POST", "/api/modules/install", { path: makeFixture(tempHome(), { name: "longline" }) })
    .finally(() => {
      installing = false;
    });
  const latencies: number[] = [];
  while (installing) {
    const at = performance.now();
    await fetch(`${logs.origin}/health`).then((r) => r.arrayBuffer());
    latencies.push(performance.now() - at);
  }
  await install;
  const written = readFileSync(`${home}/logs/longline.log`).length;
  await logs.stop();
  const slowest = Math.max(...latencies);

  return [
    {
      what: "hub RSS growth, 300 MB posted to each public route",
      figure: `${(peak - before).toFixed(1)} MB`,
      target: "≤ 50 MB",
      ok: peak - before <= 50,
    },
    {
      what: `slowest /health while a module writes a 100 MB line (${latencies.length} probes)`,
      figure: `${slowest.toFixed(1)} ms (log file ${(written / 1024).toFixed(0)} KB)`,
      target: "< 100 ms",
      ok: slowest < 100,
    },
  ];
}
