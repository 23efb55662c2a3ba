import { describe, expect, test } from "bun:test";
import { DEFAULT_OUTPUT_PATH, type Job, type JobNote, parseJob } from "./job.ts";

const BASE = { schedule: "0 8 * * *", model: "claude-opus-4-7" };

/** A note created through the REST API: frontmatter (YAML lines) at the top of its content. */
function restNote(yaml: string, body = "Summarise {{date}}.", extra: Partial<JobNote> = {}): JobNote {
  return {
    id: "n1",
    path: "jobs/daily-digest",
    content: `---\n${yaml}\n---\n${body}`,
    metadata: {},
    tags: ["job"],
    ...extra,
  };
}

/** An imported note: frontmatter already split into metadata. */
function importedNote(metadata: Record<string, unknown>, body = "Summarise {{date}}."): JobNote {
  return { id: "n2", path: "jobs/imported", content: body, metadata, tags: ["job"] };
}

/** Jobs here may also use the tools these tests name (the runner's extraTools setting). */
const OPENED = { extraTools: ["mcp__vault__query-notes", "WebSearch", "a", "b", "c"] };

function job(note: JobNote): Job {
  const parsed = parseJob(note, OPENED);
  if (!parsed.job) throw new Error(`expected a job, got problems: ${parsed.problems.join(" | ")}`);
  return parsed.job;
}

function problems(note: JobNote): string[] {
  const parsed = parseJob(note);
  expect(parsed.job).toBeNull();
  return parsed.problems;
}

/** The problems of a job whose otherwise good frontmatter has `extra` merged in. */
const problemsWith = (extra: Record<string, unknown>, body?: string) =>
  problems(importedNote({ ...BASE, ...extra }, body));

describe("parseJob: good jobs", () => {
  test("frontmatter in content: fields, defaults and the body as prompt", () => {
    const j = job(restNote('schedule: "0 8 * * *"\nmodel: claude-opus-4-7', "\nToday is **{{date}}**.\n"));
    expect(j).toEqual({
      id: "n1",
      path: "jobs/daily-digest",
      name: "daily-digest",
      schedule: expect.objectContaining({ kind: "cron", text: "0 8 * * *", hours: [8], minutes: [0] }),
      scheduleText: "0 8 * * *",
      model: "claude-opus-4-7",
      allowedTools: [],
      outputPath: DEFAULT_OUTPUT_PATH,
      outputTags: ["job-run"],
      timeoutMs: 600_000,
      disabled: false,
      overlap: "skip",
      catchUpMs: 3_600_000,
      prompt: "Today is **{{date}}**.",
    });
    expect(DEFAULT_OUTPUT_PATH).toBe("jobs/runs/{{job_name}}/{{date}}-{{run_id}}");
  });

  test("frontmatter already in metadata (imported note)", () => {
    const j = job(importedNote({ ...BASE, timeout: "10m", disabled: true }));
    expect([j.name, j.scheduleText, j.timeoutMs, j.disabled, j.prompt]).toEqual([
      "imported",
      "0 8 * * *",
      600_000,
      true,
      "Summarise {{date}}.",
    ]);
  });

  test("frontmatter in content wins over metadata, key by key", () => {
    const note = restNote("model: from-content", "Go.", { metadata: { ...BASE, model: "from-metadata" } });
    const j = job(note);
    expect([j.model, j.scheduleText]).toEqual(["from-content", "0 8 * * *"]);
  });

  test("every schedule kind", () => {
    const kinds: [string, string][] = [
      ["*/15 9-17 * * MON-FRI", "cron"],
      ["0 30 8 * * *", "cron"],
      ["daily", "cron"],
      ["@hourly", "cron"],
      ["weekly", "cron"],
      ["manual", "manual"],
    ];
    for (const [schedule, kind] of kinds) {
      const j = job(importedNote({ ...BASE, schedule }));
      expect([j.scheduleText, j.schedule.kind]).toEqual([schedule, kind]);
    }
  });

  test("all optional fields", () => {
    const j = job(
      restNote(
        [
          'schedule: "*/30 * * * *"',
          "model: m",
          "allowed_tools: [mcp__vault__query-notes, WebSearch]",
          'output_path: "reports/{{vault}}/{{ date }}"',
          "output_tags: [digest, job-run, '#Daily']",
          "timeout: 1h",
          "disabled: false",
          "overlap: allow",
          "catch_up: 30m",
          "some_other_key: ignored",
        ].join("\n"),
      ),
    );
    expect(j.allowedTools).toEqual(["mcp__vault__query-notes", "WebSearch"]);
    expect(j.outputPath).toBe("reports/{{vault}}/{{ date }}");
    expect(j.outputTags).toEqual(["job-run", "digest", "daily"]);
    expect([j.timeoutMs, j.overlap, j.catchUpMs]).toEqual([3_600_000, "allow", 1_800_000]);
  });

  test("allowed_tools as one comma-separated string", () => {
    expect(job(importedNote({ ...BASE, allowed_tools: " a, b ,,c " })).allowedTools).toEqual(["a", "b", "c"]);
  });

  test("timeout forms: 600, 600s, 10m, 1h, 24h", () => {
    const ms = (timeout: unknown) => job(importedNote({ ...BASE, timeout })).timeoutMs;
    expect([ms(600), ms("600"), ms("600s"), ms("10m"), ms("1h"), ms("24h")]).toEqual([
      600_000, 600_000, 600_000, 600_000, 3_600_000, 86_400_000,
    ]);
  });

  test("catch_up: a window, or 0/off/false to disable", () => {
    const ms = (catch_up: unknown) => job(importedNote({ ...BASE, catch_up })).catchUpMs;
    expect([ms("2h"), ms(0), ms("0"), ms("off"), ms(false), ms("7d")]).toEqual([
      7_200_000, 0, 0, 0, 0, 604_800_000,
    ]);
  });

  test("CRLF line endings and an empty frontmatter block", () => {
    const crlf: JobNote = {
      ...restNote(""),
      content: "---\r\nmodel: m\r\nschedule: daily\r\n---\r\nGo.\r\n",
    };
    expect(job(crlf).prompt).toBe("Go.");
    const empty: JobNote = { ...importedNote(BASE), content: "---\n---\nGo." };
    expect(job(empty).prompt).toBe("Go.");
  });

  test("a --- later in the body is part of the prompt", () => {
    expect(job(importedNote(BASE, "Intro\n---\nmore")).prompt).toBe("Intro\n---\nmore");
  });
});

describe("parseJob: problems", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["missing schedule", { schedule: undefined }, /^schedule: is required$/],
    [
      "bad cron",
      { schedule: "0 25 * * *" },
      /^schedule: hour field "25": value 25 is out of range; allowed 0-23$/,
    ],
    ["schedule of the wrong type", { schedule: 5 }, /^schedule: must be a string; got 5$/],
    ["missing model", { model: undefined }, /^model: is required$/],
    ["empty model", { model: "  " }, /^model: must not be empty$/],
    ["model of the wrong type", { model: ["a"] }, /^model: must be a string; got a list$/],
    [
      "allowed_tools of the wrong type",
      { allowed_tools: [1, 2] },
      /^allowed_tools: must be a list of strings/,
    ],
    [
      "output_path with an unknown variable",
      { output_path: "x/{{foo}}" },
      /^output_path: unknown template variable \{\{foo\}\}/,
    ],
    [
      "output_path escaping the vault",
      { output_path: "../{{date}}" },
      /^output_path: .* without "\." or "\.\." segments$/,
    ],
    ["output_path absolute", { output_path: "/x/{{date}}" }, /^output_path: .*must be a relative vault path/],
    ["output_tags of the wrong type", { output_tags: { a: 1 } }, /^output_tags: must be a list of strings/],
    ["an invalid output tag", { output_tags: ["two words"] }, /^output_tags: "two words" is not a valid tag/],
    [
      "zero timeout",
      { timeout: 0 },
      /^timeout: must be a positive duration like 600, 600s, 10m or 1h; got 0$/,
    ],
    ["negative timeout", { timeout: -5 }, /^timeout: must be a positive duration .*; got -5$/],
    ["unparseable timeout", { timeout: "soon" }, /^timeout: must be a positive duration .*; got "soon"$/],
    ["fractional timeout", { timeout: 1.5 }, /^timeout: must be a positive duration .*; got 1.5$/],
    ["timeout over 24 h", { timeout: "25h" }, /^timeout: must be at most 24h; got "25h"$/],
    ["timeout of the wrong type", { timeout: true }, /^timeout: must be a positive duration .*; got true$/],
    ["catch_up too long", { catch_up: "8d" }, /^catch_up: must be at most 7d; got "8d"$/],
    [
      "unparseable catch_up",
      { catch_up: "later" },
      /^catch_up: must be a duration .*, or 0\/off; got "later"$/,
    ],
    [
      "output tagged job (every answer would become a job)",
      { output_tags: ["Job"] },
      /^output_tags: "job" would make every answer a job too$/,
    ],
    ["disabled not a boolean", { disabled: "yes" }, /^disabled: must be true or false; got "yes"$/],
    ["unknown overlap", { overlap: "queue" }, /^overlap: must be "skip" or "allow"; got "queue"$/],
  ];
  for (const [name, extra, message] of cases)
    test(name, () => {
      const found = problemsWith(extra);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(message);
    });

  test("an empty prompt", () => {
    expect(problemsWith({}, "  \n\n ")).toEqual(["prompt: the note body (the prompt) is empty"]);
  });

  test("an unknown variable in the prompt", () => {
    expect(problemsWith({}, "Hello {{user}}")).toEqual([
      "prompt: unknown template variable {{user}}; known: date, job_name, run_id, vault",
    ]);
  });

  test("a note not tagged job", () => {
    expect(problems({ ...importedNote(BASE), tags: ["jobs", "daily"] })).toEqual([
      'tags: the note is not tagged "job"',
    ]);
  });

  test("several bad fields are all listed together", () => {
    const found = problems({
      ...restNote(
        'schedule: "61 * * * *"\ntimeout: -1\noutput_path: "{{nope}}"\noverlap: 3',
        "{{also_nope}}",
      ),
      tags: [],
    });
    expect(found.map((p) => p.split(":")[0])).toEqual([
      "tags",
      "schedule",
      "model",
      "output_path",
      "timeout",
      "overlap",
      "prompt",
    ]);
  });

  test("a YAML syntax error is a problem, and the other fields are still checked", () => {
    const found = problems(restNote("schedule: [0 8\nmodel: m"));
    expect(found[0]).toMatch(/^frontmatter: the YAML does not parse: /);
    expect(found).toContain("schedule: is required");
  });

  test("an unquoted cron starting with * is a YAML error (an alias), reported as such", () => {
    expect(problems(restNote("schedule: */15 * * * *\nmodel: m"))[0]).toMatch(
      /^frontmatter: the YAML does not parse/,
    );
  });

  test("frontmatter that is not a mapping", () => {
    expect(problems(restNote("- a\n- b"))).toContain("frontmatter: must be a mapping of keys to values");
  });

  test("an unclosed frontmatter block", () => {
    const note: JobNote = { ...importedNote(BASE), content: "---\nmodel: m\nGo." };
    expect(problems(note)).toEqual(['frontmatter: the "---" at the top has no closing "---" line']);
  });
});

describe("a job cannot multiply", () => {
  test("output_tags naming job is a problem: every answer would be a job too", () => {
    const found = problems(restNote("schedule: manual\nmodel: m\noutput_tags: [job]"));
    expect(
      found.some((p) => p.startsWith("output_tags:") && p.includes("would make every answer a job")),
    ).toBe(true);
  });
});

describe("tools a job note may ask for", () => {
  test("the vault's MCP tools always; anything else only when the operator opened it", () => {
    const note = restNote(
      "schedule: manual\nmodel: m\nallowed_tools: [mcp__parachute-vault-default__query-notes, Bash]",
    );
    expect(parseJob(note).problems).toEqual([
      "allowed_tools: \"Bash\" is not allowed here; jobs may use the vault's tools (mcp__parachute-vault-<vault>__…) and the ones the runner's settings list under extraTools",
    ]);
    expect(parseJob(note, { extraTools: ["Bash"] }).problems).toEqual([]);
  });
});
