import { join } from "node:path";
import { startHub, tempHome } from "../packages/hub/testing/hub-process.ts";
import { nextFire, parseJob, RunStore, Scheduler, VaultClient } from "../packages/runner/src/index.ts";
import { median, type Row } from "./stats.ts";

const SCHEDULES = [
  "0 8 * * *",
  "*/15 * * * *",
  "30 6 * * 1-5",
  "0 0 1 * *",
  "0 9,17 * * MON-FRI",
  "15 */2 * * *",
  "0 12 * JAN,JUL *",
  "*/30 * * * * *",
  "daily",
  "hourly",
  "weekly",
  "manual",
];

/** One job note of the kind people write: frontmatter, a prompt with a template or two. */
function jobContent(i: number): string {
  return [
    "---",
    `schedule: "${SCHEDULES[i % SCHEDULES.length]}"`,
    "model: claude-opus-4-7",
    "allowed_tools: [mcp__parachute-vault-default__query-notes]",
    `output_path: "jobs/runs/{{job_name}}/{{date}}-{{run_id}}"`,
    "timeout: 10m",
    "---",
    `Job ${i}. Today is {{date}}: summarise what changed in {{vault}} and write it down.`,
    "",
  ].join("\n");
}

/**
 * PRODUCT's runner target: 1,000 job notes parsed and scheduled ≤ 1 s. Measured twice, as medians:
 * the parse and schedule alone, and a whole poll of the scheduler (the vault's REST listing of the
 * 1,000 notes through the hub included), against a real vault.
 */
export async function runnerBench(quick: boolean): Promise<Row[]> {
  const hub = await startHub(tempHome());
  try {
    const installed = await hub.op("POST", "/api/modules/install", { short: "vault" });
    if (installed.status !== 200) throw new Error(`vault install: ${await installed.text()}`);
    const { token } = (await (await hub.api("POST", "/api/tokens", { scope: "vault:write" })).json()) as {
      token: string;
    };
    for (let start = 0; start < 1000; start += 100) {
      const notes = Array.from({ length: 100 }, (_, k) => ({
        path: `jobs/job-${start + k}`,
        content: jobContent(start + k),
        tags: ["job"],
      }));
      const res = await fetch(`${hub.origin}/vault/default/api/notes?batch=true`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ notes }),
      });
      if (res.status !== 201) throw new Error(`job notes: ${res.status} ${await res.text()}`);
    }
    const vault = new VaultClient(() => ({ base: `${hub.origin}/vault/default`, token: () => token }));
    const notes = await vault.jobNotes();
    if (notes.length !== 1000) throw new Error(`expected 1,000 job notes, found ${notes.length}`);
    const runs = quick ? 3 : 7;

    const parseTimes: number[] = [];
    for (let r = 0; r < runs; r++) {
      const at = performance.now();
      const now = new Date();
      let valid = 0;
      for (const note of notes) {
        const { job } = parseJob(note);
        if (job) {
          valid++;
          nextFire(job.schedule, now, "Europe/Amsterdam");
        }
      }
      parseTimes.push(performance.now() - at);
      if (valid !== 1000) throw new Error(`${1000 - valid} job notes did not parse`);
    }

    const pollTimes: number[] = [];
    for (let r = 0; r < runs; r++) {
      const store = new RunStore(join(tempHome(), "runner.db"));
      const scheduler = new Scheduler({
        vault,
        store,
        execute: async () => {},
        settings: () => ({ pollSeconds: 3600, concurrency: 2, timeZone: "Europe/Amsterdam", extraTools: [] }),
        now: Date.now,
        log: () => {},
      });
      const at = performance.now();
      await scheduler.poll();
      pollTimes.push(performance.now() - at);
      const scheduled = scheduler.jobs().filter((j) => j.nextRun !== null).length;
      store.close();
      if (scheduled < 900) throw new Error(`only ${scheduled} jobs were scheduled`);
    }
    const parse = median(parseTimes);
    const poll = median(pollTimes);
    return [
      {
        what: "runner: 1,000 job notes parsed and scheduled",
        figure: `${parse.toFixed(0)} ms`,
        target: "≤ 1000 ms",
        ok: parse <= 1000,
      },
      {
        what: "runner: a poll of 1,000 job notes (vault listing included)",
        figure: `${poll.toFixed(0)} ms`,
        target: "≤ 1000 ms",
        ok: poll <= 1000,
      },
    ];
  } finally {
    await hub.stop();
  }
}
