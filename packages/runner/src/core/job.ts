import { parseDuration } from "@parachute/module-kit";
import { hasControl } from "../text.ts";
import { parseSchedule, type Schedule, ScheduleError } from "./cron.ts";
import { templateProblems } from "./template.ts";

/** A vault note as the vault returns it. */
export interface JobNote {
  id: string;
  path: string;
  content: string;
  metadata: Record<string, unknown>;
  tags: string[];
}

/** A job note read into what the scheduler and executor need. */
export interface Job {
  id: string;
  path: string;
  /** The note path's last segment. */
  name: string;
  schedule: Schedule;
  scheduleText: string;
  model: string;
  allowedTools: string[];
  /** A template (see template.ts), rendered per run. */
  outputPath: string;
  outputTags: string[];
  timeoutMs: number;
  disabled: boolean;
  overlap: "skip" | "allow";
  /** How late a missed run may still be caught up; 0 = never. */
  catchUpMs: number;
  /** The note body, a template rendered per run. */
  prompt: string;
}

export type ParsedJob = { job: Job; problems: [] } | { job: null; problems: string[] };

const JOB_TAG = "job";
const RUN_TAG = "job-run";
export const DEFAULT_OUTPUT_PATH = "jobs/runs/{{job_name}}/{{date}}-{{run_id}}";
const DEFAULT_TIMEOUT_S = 600;
const MAX_TIMEOUT = { s: 86_400, label: "24h" };
const DEFAULT_CATCH_UP_S = 3600;
const MAX_CATCH_UP = { s: 7 * 86_400, label: "7d" };
const DURATION_FORMS = "duration like 600, 600s, 10m or 1h";

/** Reads a job note; every problem is reported at once, each naming its field. */
/** What the operator lets jobs do beyond the vault's MCP tools. */
export interface JobOptions {
  extraTools: string[];
}

function toolAllowed(tool: string, options: JobOptions): boolean {
  return (
    /^mcp__parachute-vault-[a-z0-9-]{1,40}__[a-z0-9-]{1,64}$/.test(tool) || options.extraTools.includes(tool)
  );
}

export function parseJob(note: JobNote, options: JobOptions = { extraTools: [] }): ParsedJob {
  const problems: string[] = [];
  const { data, body } = frontmatter(note, problems);
  const field = fieldReader(data, problems);
  if (!note.tags.map(normaliseTag).includes(JOB_TAG))
    problems.push(`tags: the note is not tagged "${JOB_TAG}"`);

  let schedule: Schedule = { kind: "manual" };
  const scheduleText = field.string("schedule", { required: true }) ?? "";
  if (scheduleText) {
    try {
      schedule = parseSchedule(scheduleText);
    } catch (err) {
      if (!(err instanceof ScheduleError)) throw err;
      problems.push(`schedule: ${err.message}`);
    }
  }
  const model = field.string("model", { required: true }) ?? "";
  const allowedTools = field.list("allowed_tools");
  // Whoever can write a note can write a job: its tools are the vault's own unless the operator
  // opened more (the runner's `extraTools` setting), so a note never grants a shell or file access.
  for (const tool of allowedTools)
    if (!toolAllowed(tool, options))
      problems.push(
        `allowed_tools: ${show(tool).slice(0, 80)} is not allowed here; jobs may use the vault's tools (mcp__parachute-vault-<vault>__…) and the ones the runner's settings list under extraTools`,
      );
  const outputPath = field.string("output_path") ?? DEFAULT_OUTPUT_PATH;
  for (const p of outputPathProblems(outputPath)) problems.push(`output_path: ${p}`);
  if (hasControl(outputPath)) problems.push("output_path: has control characters");
  const outputTags = [...new Set([RUN_TAG, ...field.list("output_tags").map(normaliseTag)])];
  // An answer tagged job would itself be run: one job could multiply without end.
  if (outputTags.includes(JOB_TAG))
    problems.push(`output_tags: "${JOB_TAG}" would make every answer a job too`);
  for (const tag of outputTags)
    if (!/^[\p{L}\p{N}_\-/][\p{L}\p{M}\p{N}_\-/]{0,99}$/u.test(tag))
      problems.push(`output_tags: "${tag}" is not a valid tag (letters, digits, -, _, /)`);
  const timeoutS = field.duration("timeout", DEFAULT_TIMEOUT_S, MAX_TIMEOUT, false);
  const catchUpS = field.duration("catch_up", DEFAULT_CATCH_UP_S, MAX_CATCH_UP, true);
  const disabled = field.boolean("disabled");
  const overlap = field.string("overlap") ?? "skip";
  if (overlap !== "skip" && overlap !== "allow")
    problems.push(`overlap: must be "skip" or "allow"; got "${overlap}"`);
  const prompt = body.trim();
  if (!prompt) problems.push("prompt: the note body (the prompt) is empty");
  for (const p of templateProblems(prompt)) problems.push(`prompt: ${p}`);

  // A short note can stand for an enormous value (YAML aliases): what is said of it stays short.
  for (const [i, p] of problems.entries()) if (p.length > 300) problems[i] = `${p.slice(0, 300)}…`;
  if (problems.length > 0) return { job: null, problems };
  const job: Job = {
    id: note.id,
    path: note.path,
    name: note.path.split("/").at(-1) ?? note.path,
    schedule,
    scheduleText,
    model,
    allowedTools,
    outputPath,
    outputTags,
    timeoutMs: timeoutS * 1000,
    disabled,
    overlap: overlap as Job["overlap"],
    catchUpMs: catchUpS * 1000,
    prompt,
  };
  return { job, problems: [] };
}

/** Frontmatter at the top of `content` merged over the stored metadata, and the body after it. */
function frontmatter(note: JobNote, problems: string[]): { data: Record<string, unknown>; body: string } {
  const base = isRecord(note.metadata) ? note.metadata : {};
  if (!/^---\r?\n/.test(note.content)) return { data: base, body: note.content };
  const m = /^---\r?\n([\s\S]*?)^---[ \t]*(?:\r?\n|$)/m.exec(note.content);
  if (m?.index !== 0) {
    problems.push('frontmatter: the "---" at the top has no closing "---" line');
    return { data: base, body: note.content.replace(/^---\r?\n/, "") };
  }
  const body = note.content.slice(m[0].length);
  let parsed: unknown;
  try {
    parsed = Bun.YAML.parse(m[1]!) ?? {};
  } catch (err) {
    problems.push(`frontmatter: the YAML does not parse: ${(err as Error).message}`);
    return { data: base, body };
  }
  if (!isRecord(parsed)) {
    problems.push("frontmatter: must be a mapping of keys to values");
    return { data: base, body };
  }
  return { data: { ...base, ...parsed }, body };
}

function outputPathProblems(path: string): string[] {
  const problems = templateProblems(path);
  if (!path.trim()) problems.push("must not be empty");
  else if (path.startsWith("/") || path.split("/").some((s) => s.trim() === ".." || s.trim() === "."))
    problems.push(`"${path}" must be a relative vault path without "." or ".." segments`);
  return problems;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** As the vault keeps a tag (its `normaliseTag`). */
const normaliseTag = (tag: string) => tag.trim().replace(/^#/, "").toLowerCase().normalize("NFC");

/** A value as a problem names it: JSON, cut short (an aliased value can be huge). */
const show = (v: unknown) => {
  if (typeof v === "string") return JSON.stringify(v.slice(0, 200));
  if (v !== null && typeof v === "object") return Array.isArray(v) ? "a list" : "a mapping";
  return String(v);
};

/** Typed readers over the frontmatter; each records a problem naming the key and returns a fallback. */
function fieldReader(data: Record<string, unknown>, problems: string[]) {
  const bad = (key: string, want: string) => {
    problems.push(`${key}: must be ${want}; got ${show(data[key])}`);
  };
  return {
    string(key: string, opts: { required?: boolean } = {}): string | undefined {
      const v = data[key];
      if (typeof v === "string" && (v.trim() || !opts.required)) return v.trim();
      if (typeof v === "string") problems.push(`${key}: must not be empty`);
      else if (v !== undefined && v !== null) bad(key, "a string");
      else if (opts.required) problems.push(`${key}: is required`);
      return undefined;
    },
    /** A list of strings, or one comma-separated string. */
    list(key: string): string[] {
      const v = data[key] ?? [];
      const items: unknown = typeof v === "string" ? v.split(",") : v;
      if (Array.isArray(items) && items.every((i) => typeof i === "string"))
        return items.map((i: string) => i.trim()).filter(Boolean);
      bad(key, "a list of strings");
      return [];
    },
    boolean(key: string): boolean {
      const v = data[key] ?? false;
      if (typeof v === "boolean") return v;
      bad(key, "true or false");
      return false;
    },
    /** Seconds, at most `max`; with `off` set, 0, `off` and `false` mean 0 (disabled). */
    duration(key: string, fallback: number, max: { s: number; label: string }, off: boolean): number {
      const v = data[key];
      if (v === undefined || v === null) return fallback;
      if (off && (v === false || v === "off")) return 0;
      const s = typeof v === "number" || typeof v === "string" ? parseDuration(String(v)) : null;
      if (s === null || (s === 0 && !off))
        bad(key, off ? `a ${DURATION_FORMS}, or 0/off` : `a positive ${DURATION_FORMS}`);
      else if (s > max.s) bad(key, `at most ${max.label}`);
      else return s;
      return fallback;
    },
  };
}
