/**
 * The runner end to end: installed through the catalog next to a real vault, job notes written to
 * the vault, and a fake `claude` on the PATH (packages/runner/testing/fake-claude.ts) that records
 * how it was called and answers as each prompt asks.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  cleanUp,
  type HubProcess,
  pidAlive,
  runProgram,
  startHub,
  tempHome,
  waitFor,
  waitForState,
} from "../packages/hub/testing/hub-process.ts";

const FAKE = join(import.meta.dir, "..", "packages", "runner", "testing", "fake-claude.ts");

interface RunView {
  id: string;
  jobId: string;
  scheduledFor: number | null;
  trigger: string;
  status: string;
  reason: string | null;
  outputPath: string | null;
  costUsd: number | null;
  turns: number | null;
}

describe("the runner with a real vault and a fake claude", () => {
  let hub: HubProcess;
  let record = "";
  let fakeBin = "";
  let vaultToken = "";
  let adminToken = "";

  const vault = async (method: string, path: string, body?: unknown) =>
    fetch(`${hub.origin}/vault/default/api/${path}`, {
      method,
      headers: { authorization: `Bearer ${vaultToken}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const runner = async (method: string, path: string, body?: unknown) =>
    fetch(`${hub.origin}/runner${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const job = async (path: string, front: string, body: string): Promise<string> => {
    const res = await vault("POST", "notes", {
      path,
      content: `---\n${front}\n---\n${body}\n`,
      tags: ["job"],
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  const runs = async (): Promise<RunView[]> =>
    ((await (await runner("GET", "/runs?limit=500")).json()) as { runs: RunView[] }).runs;
  const finished = (id: string) =>
    waitFor(
      async () => (await runs()).find((r) => r.id === id && r.status !== "running") ?? null,
      `run ${id} to finish`,
      30_000,
    );
  const runNow = async (id: string): Promise<RunView> => {
    const res = await runner("POST", `/jobs/${id}/run-now`);
    expect(res.status, await res.clone().text()).toBe(202);
    return finished(((await res.json()) as { run: RunView }).run.id);
  };
  const calls = () =>
    existsSync(join(record, "calls.jsonl"))
      ? readFileSync(join(record, "calls.jsonl"), "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as { args: string[]; env: Record<string, string>; prompt: string })
      : [];

  beforeAll(async () => {
    record = tempHome();
    const bin = tempHome();
    fakeBin = bin;
    writeFileSync(join(bin, "claude"), `#!/bin/sh\nexec "${process.execPath}" "${FAKE}" "${record}" "$@"\n`);
    chmodSync(join(bin, "claude"), 0o755);
    hub = await startHub(tempHome(), { PATH: `${bin}:${process.env.PATH}` });
    for (const short of ["vault", "runner"]) {
      const res = await hub.op("POST", "/api/modules/install", { short });
      expect(res.status, await res.clone().text()).toBe(200);
    }
    const token = async (scope: string) =>
      ((await (await hub.api("POST", "/api/tokens", { scope })).json()) as { token: string }).token;
    vaultToken = await token("vault:write");
    adminToken = await token("runner:admin");
    // Poll the vault every 2 s instead of 30, so new job notes are seen soon.
    const set = await runner("PUT", "/.parachute/config", { pollSeconds: 2 });
    expect(set.status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await hub?.stop();
    await cleanUp();
  });

  test("the admin API opens only to runner:admin: no token, a vault token or a forged one are refused", async () => {
    const forged = `${adminToken.slice(0, adminToken.lastIndexOf(".") + 1)}${"A".repeat(86)}`;
    for (const bearer of [null, vaultToken, forged]) {
      const res = await fetch(`${hub.origin}/runner/jobs`, {
        headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
      });
      expect([401, 403]).toContain(res.status);
    }
    expect((await runner("GET", "/runs?limit=100000")).status).toBe(400);
    expect((await runner("POST", "/jobs/..%2F..%2Fx/run-now")).status).toBe(400);
  }, 30_000);

  test("a manual job run now writes its answer to a note, with no configuration step", async () => {
    const id = await job(
      "jobs/hello",
      "schedule: manual\nmodel: fake-model\noutput_tags: [daily]",
      "Say hello on {{date}} from {{vault}}.",
    );
    const run = await runNow(id);
    expect(run.status).toBe("succeeded");
    expect(run.costUsd).toBe(0.0125);
    expect(run.turns).toBe(3);
    const note = (await (await vault("GET", `notes/${run.outputPath}`)).json()) as {
      content: string;
      tags: string[];
      metadata: Record<string, unknown>;
    };
    expect(note.content).toMatch(/^Answer to: Say hello on \d{4}-\d{2}-\d{2} from default\.$/);
    expect(note.tags.sort()).toEqual(["daily", "job-run"]);
    expect(note.metadata).toMatchObject({
      job: "jobs/hello",
      run_id: run.id,
      model: "fake-model",
      cost_usd: 0.0125,
    });

    // How the program was run: -p, the model, the vault's MCP config, JSON out — and nothing secret.
    const call = calls().at(-1)!;
    expect(call.args.slice(0, 3)).toEqual(["-p", "--model", "fake-model"]);
    expect(call.args).toContain("--strict-mcp-config");
    expect(call.args.slice(-2)).toEqual(["--output-format", "json"]);
    expect(Object.keys(call.env).filter((k) => k.startsWith("PARACHUTE"))).toEqual([]);
    expect(JSON.stringify(call.env)).not.toContain(vaultToken.slice(-20));
    expect(existsSync(call.args[call.args.indexOf("--mcp-config") + 1]!)).toBe(false); // removed after the run
  }, 60_000);

  test("a vault token typed into the settings is stored encrypted, never in config.json, and can be cleared", async () => {
    const put = await runner("PUT", "/.parachute/config", { vaultToken: vaultToken });
    expect(put.status).toBe(200);
    const dir = join(hub.home, "runner");
    await waitFor(
      () =>
        existsSync(join(dir, "secrets.json")) &&
        !readFileSync(join(dir, "config.json"), "utf8").includes(vaultToken.slice(-20))
          ? true
          : null,
      "the token to move out of config.json",
    );
    expect(readFileSync(join(dir, "secrets.json"), "utf8")).not.toContain(vaultToken.slice(-20));
    // The settings still say it is set (the admin app's form then offers to clear it).
    const shown = (await (await runner("GET", "/.parachute/config")).json()) as { secretsSet: string[] };
    expect(shown.secretsSet).toContain("vaultToken");
    expect(statSync(join(dir, "secrets.json")).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "master.key")).mode & 0o777).toBe(0o600);
    // Jobs run with it…
    const id = await job("jobs/with-token", "schedule: manual\nmodel: m", "with the stored token");
    expect((await runNow(id)).status).toBe("succeeded");
    // …and after clearing it, with the hub's credential again.
    expect((await runner("POST", "/credentials/vault-token/clear")).status).toBe(200);
    expect((await runNow(id)).status).toBe("succeeded");
  }, 60_000);

  test("once: every job (or one) run now from the command line; --dry-run runs nothing", async () => {
    const main = join(hub.home, "modules", "node_modules", "@parachute", "runner", "dist", "main.js");
    const env = { PARACHUTE_HOME: hub.home, PATH: process.env.PATH ?? "" };
    const before = calls().length;
    const dry = await runProgram([process.execPath, main, "once", "--only", "jobs/hello", "--dry-run"], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/jobs\/hello → jobs\/runs\/hello\/\d{4}-\d{2}-\d{2}-run_dry/);
    expect(dry.stdout).toContain("-p --model fake-model");
    expect(calls().length).toBe(before);
    const once = await runProgram(
      [process.execPath, main, "once", "--only", "jobs/hello", "--date", "2026-01-02"],
      { ...env, PATH: `${fakeBin}:${env.PATH}` },
    );
    expect(once.code, once.stdout + once.stderr).toBe(0);
    expect(once.stdout).toMatch(/jobs\/hello: succeeded → jobs\/runs\/hello\/2026-01-02-run_/);
    for (const wrong of ["tomorrow", "2025-13-45"]) {
      const bad = await runProgram([process.execPath, main, "once", "--date", wrong], env);
      expect(bad.code).toBe(2);
    }
    // Started by a person without a command, it says how to use it (the hub starts the scheduler).
    const bare = await runProgram([process.execPath, main], env);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("once [--only <path>]");
  }, 60_000);

  test("the MCP config the program gets works against the vault, with the tool names mcp-config gives", async () => {
    const id = await job(
      "jobs/tools",
      "schedule: manual\nmodel: m\nallowed_tools: [mcp__parachute-vault-default__query-notes]",
      "MODE:mcp list tools",
    );
    const run = await runNow(id);
    expect(run.status).toBe("succeeded");
    const note = (await (await vault("GET", `notes/${run.outputPath}`)).json()) as { content: string };
    expect(note.content).toContain("status 200");
    expect(note.content).toContain("vault-info answered");
    expect(note.content).toContain("mcp__parachute-vault-default__");
    expect(calls().at(-1)!.args).toContain("mcp__parachute-vault-default__query-notes");
  }, 60_000);

  test("each kind of failure writes <output_path>.failed tagged job-run-failed; a timeout kills the whole group", async () => {
    const cases: [string, string, string][] = [
      ["jobs/exits", "timeout: 30s", "MODE:fail"],
      ["jobs/silent", "timeout: 30s", "MODE:empty"],
      ["jobs/hangs", "timeout: 2s", "MODE:hang"],
    ];
    for (const [path, extra, body] of cases) {
      const id = await job(path, `schedule: manual\nmodel: m\n${extra}`, body);
      const run = await runNow(id);
      expect(run.status).toBe("failed");
      expect(run.outputPath).toMatch(/\.failed$/);
      const note = (await (await vault("GET", `notes/${run.outputPath}`)).json()) as {
        tags: string[];
        metadata: { error: string; stderr_tail: string };
      };
      expect(note.tags).toEqual(["job-run-failed"]);
      if (body === "MODE:fail") {
        expect(note.metadata.error).toBe("exit 3");
        expect(note.metadata.stderr_tail).toContain("the model was unreachable");
        // …and in the note itself, where a person reads.
        const content = (
          (await (await vault("GET", `notes/${run.outputPath}`)).json()) as { content: string }
        ).content;
        expect(content).toContain("the model was unreachable");
      }
      if (body === "MODE:empty") expect(note.metadata.error).toBe("empty output");
      if (body === "MODE:hang") expect(note.metadata.error).toBe("timeout after 2 s");
    }
    const grandchild = Number(readFileSync(join(record, "grandchildren"), "utf8").trim().split("\n").at(-1));
    await waitFor(() => !pidAlive(grandchild), "the hung program's own child to be gone too");
  }, 90_000);

  test("a second answer for a taken path lands beside it; an unknown time zone falls back, never stops the clock", async () => {
    const id = await job(
      "jobs/fixed",
      "schedule: manual\nmodel: m\noutput_path: out/fixed",
      "same place twice",
    );
    const first = await runNow(id);
    const second = await runNow(id);
    expect(first.outputPath).toBe("out/fixed");
    expect(second.status).toBe("succeeded");
    expect(second.outputPath).toBe(`out/fixed-${second.id}`);

    expect((await runner("PUT", "/.parachute/config", { timeZone: "Mars/Olympus" })).status).toBe(200);
    expect((await runNow(id)).status).toBe("succeeded");
    await waitForState(hub, "runner", "active");
    expect((await runner("PUT", "/.parachute/config", { timeZone: null })).status).toBe(200);
  }, 60_000);

  test("bad job notes are listed with all their problems and never run", async () => {
    const before = calls().length;
    const id = await job(
      "jobs/broken",
      "schedule: every tuesday\ntimeout: -5\noutput_path: out/{{nope}}\nallowed_tools: [Bash]",
      "Hi",
    );
    await waitFor(
      async () => {
        const { jobs } = (await (await runner("GET", "/jobs")).json()) as {
          jobs: { id: string; problems: string[] }[];
        };
        return jobs.find((j) => j.id === id && j.problems.length) ?? null;
      },
      "the broken job to be listed",
      15_000,
    ).then((j) => {
      const text = j.problems.join("\n");
      expect(text).toContain("schedule");
      expect(text).toContain("timeout");
      expect(text).toContain("{{nope}}");
      expect(text).toContain("model");
      // A note cannot hand claude a shell: only the vault's tools, and what the operator opened.
      expect(text).toContain('allowed_tools: "Bash" is not allowed here');
    });
    const res = await runner("POST", `/jobs/${id}/run-now`);
    expect(res.status).toBe(422);
    expect(calls().length).toBe(before);
  }, 60_000);

  test("scheduled runs: an overlapping slot is skipped and recorded, and an edit applies at the next fire", async () => {
    const id = await job(
      "jobs/every-second",
      'schedule: "* * * * * *"\nmodel: m\ntimeout: 30s',
      "MODE:slow:2500 first version",
    );
    const skipped = await waitFor(
      async () =>
        (await runs()).find((r) => r.jobId === id && r.status === "skipped" && r.reason === "overlap") ??
        null,
      "an overlapping slot to be skipped",
      30_000,
    );
    expect(skipped.scheduledFor).not.toBeNull();
    const edited = await vault("PATCH", `notes/${id}`, {
      content: '---\nschedule: "* * * * * *"\nmodel: m\ntimeout: 30s\n---\nsecond version\n',
    });
    expect(edited.status, await edited.clone().text()).toBe(200);
    await waitFor(
      () => (calls().some((c) => c.prompt.includes("second version")) ? true : null),
      "the edit to run",
      30_000,
    );
    // Stop it firing every second for the tests that follow.
    await vault("PATCH", `notes/${id}`, { content: "---\nschedule: manual\nmodel: m\n---\ndone\n" });
  }, 90_000);

  test("a slot missed while the runner was down is caught up once, and no slot ever runs twice", async () => {
    const id = await job("jobs/catch-up", 'schedule: "*/2 * * * * *"\nmodel: m\ncatch_up: 1h', "tick");
    await waitFor(
      async () => ((await runs()).some((r) => r.jobId === id && r.trigger === "schedule") ? true : null),
      "a scheduled run",
      30_000,
    );
    expect((await hub.op("POST", "/api/modules/runner/stop")).status).toBe(200);
    const downAt = Date.now();
    await waitFor(
      () => (Date.now() - downAt > 4500 ? true : null),
      "two slots to pass while it is down",
      10_000,
    );
    expect((await hub.op("POST", "/api/modules/runner/start")).status).toBe(200);
    await waitForState(hub, "runner", "active");
    const caught = await waitFor(
      async () => {
        const found = (await runs()).filter((r) => r.jobId === id && r.trigger === "catch-up");
        return found.length ? found : null;
      },
      "the catch-up run",
      30_000,
    );
    expect(caught.length, JSON.stringify(caught)).toBe(1);
    expect(caught[0]!.scheduledFor! < Date.now()).toBe(true);
    await vault("PATCH", `notes/${id}`, { content: "---\nschedule: manual\nmodel: m\n---\ndone\n" });
    const all = (await runs()).filter((r) => r.scheduledFor !== null);
    const slots = all.map((r) => `${r.jobId} ${r.scheduledFor}`);
    expect(new Set(slots).size).toBe(slots.length);
  }, 90_000);
});
