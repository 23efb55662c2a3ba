/** A job's schedule: never (run only on demand), or a cron expression already parsed into its fields. */
export type Schedule =
  | { kind: "manual" }
  | {
      kind: "cron";
      /** The expression as written (trimmed), e.g. `0 8 * * *` or `daily`. */
      text: string;
      /** Allowed values of each field, ascending; day-of-week 0–6 with 0 = Sunday. */
      seconds: number[];
      minutes: number[];
      hours: number[];
      daysOfMonth: number[];
      months: number[];
      daysOfWeek: number[];
      /** False when the field was written starting with `*`; when both are restricted, either may match. */
      domRestricted: boolean;
      dowRestricted: boolean;
    };

type CronSchedule = Extract<Schedule, { kind: "cron" }>;

/** A schedule string that is not one: the message names the field, the value and what is allowed. */
export class ScheduleError extends Error {
  override name = "ScheduleError";
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const SECOND: FieldSpec = { name: "second", min: 0, max: 59 };
const FIVE: FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 0, max: 7, names: DAYS },
];

const ALIASES: Record<string, string> = {
  daily: "0 0 * * *",
  hourly: "0 * * * *",
  weekly: "0 0 * * 0",
};

/**
 * Parses a schedule: 5-field cron (minute hour day-of-month month day-of-week), 6-field with seconds
 * first, `daily`/`hourly`/`weekly` (also with `@`), or `manual`. Throws ScheduleError otherwise.
 */
export function parseSchedule(raw: string): Schedule {
  if (typeof raw !== "string") throw new ScheduleError("the schedule must be a string");
  const text = raw.trim();
  const word = text.toLowerCase();
  if (word === "manual") return { kind: "manual" };
  const alias = ALIASES[word.replace(/^@/, "")];
  const parts = (alias ?? text).split(/\s+/).filter(Boolean);
  if (parts.length !== 5 && parts.length !== 6)
    throw new ScheduleError(
      `schedule "${text}" has ${parts.length} field(s); expected 5 (minute hour day-of-month month ` +
        "day-of-week), 6 (second first), or one of daily, hourly, weekly, manual",
    );
  const specs = parts.length === 6 ? [SECOND, ...FIVE] : FIVE;
  const fields = parts.map((part, i) => parseField(part, specs[i]!));
  const [seconds, minutes, hours, daysOfMonth, months, dow] = (
    parts.length === 5 ? [[0], ...fields] : fields
  ) as [number[], number[], number[], number[], number[], number[]];
  const at = parts.length - 5;
  return {
    kind: "cron",
    text,
    seconds,
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek: [...new Set(dow.map((d) => d % 7))].sort((a, b) => a - b),
    domRestricted: !parts[at + 2]!.startsWith("*"),
    dowRestricted: !parts[at + 4]!.startsWith("*"),
  };
}

function parseField(text: string, spec: FieldSpec): number[] {
  const range = `${spec.min}-${spec.max}`;
  const fail = (what: string) => new ScheduleError(`${spec.name} field "${text}": ${what}`);
  const value = (token: string): number => {
    const byName = spec.names?.indexOf(token.toUpperCase()) ?? -1;
    if (byName >= 0) return byName + (spec.name === "month" ? 1 : 0);
    if (!/^\d+$/.test(token)) {
      const names = spec.names ? ` or a name ${spec.names[0]}-${spec.names.at(-1)}` : "";
      throw fail(`"${token}" is not a number${names}; allowed ${range}`);
    }
    const n = Number(token);
    if (n < spec.min || n > spec.max) throw fail(`value ${n} is out of range; allowed ${range}`);
    return n;
  };
  const out = new Set<number>();
  for (const item of text.split(",")) {
    if (item === "") throw fail("empty item in list");
    const m = /^([^/-]+)(?:-([^/-]+))?(?:\/([^/-]*))?$/.exec(item);
    if (!m) throw fail(`"${item}" is not a value, range a-b or step x/n`);
    const [, lo, hi, step] = m;
    let from = spec.min;
    let to = spec.max;
    if (lo !== "*") {
      from = value(lo!);
      to = hi !== undefined ? value(hi) : step !== undefined ? spec.max : from;
    } else if (hi !== undefined) throw fail(`"${item}": "*" cannot start a range`);
    if (from > to) throw fail(`range ${lo}-${hi} runs backwards`);
    let by = 1;
    if (step !== undefined) {
      by = /^\d+$/.test(step) ? Number(step) : Number.NaN;
      if (!(by >= 1 && by <= spec.max)) throw fail(`step "${step}" must be a number 1-${spec.max}`);
    }
    for (let v = from; v <= to; v += by) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

const zones = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = zones.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    zones.set(timeZone, f);
  }
  return f;
}

/** Whether `tz` is an IANA time zone (or an offset) this runtime knows. */
export function isTimeZone(tz: string): boolean {
  if (typeof tz !== "string" || tz.trim() === "") return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The local wall-clock time of instant `t` (whole seconds) in `f`'s zone, as if it were UTC. */
function wallOf(f: Intl.DateTimeFormat, t: number): number {
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(t)) if (part.type !== "literal") p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

const DAY_MS = 86_400_000;

/** The earliest instant whose local time is `wall`, or null when the zone skips that time. */
function firstInstant(f: Intl.DateTimeFormat, wall: number): number | null {
  // The offsets a day either side bracket any single transition near `wall`.
  const before = wallOf(f, wall - DAY_MS) - (wall - DAY_MS);
  const after = wallOf(f, wall + DAY_MS) - (wall + DAY_MS);
  let best: number | null = null;
  for (const offset of before === after ? [before] : [before, after]) {
    const t = wall - offset;
    if ((best === null || t < best) && wallOf(f, t) === wall) best = t;
  }
  return best;
}

const SEARCH_YEARS = 8; // a Feb 29 schedule can wait 8 years across a non-leap century year

/**
 * The first fire time strictly after `after`, reading the fields as local time in `timeZone`. A local
 * time skipped by a DST change does not fire; one that happens twice fires at its first occurrence.
 * Null for `manual` and for a schedule with no match within SEARCH_YEARS.
 */
export function nextFire(s: Schedule, after: Date, timeZone: string): Date | null {
  if (s.kind === "manual") return null;
  if (!isTimeZone(timeZone)) throw new ScheduleError(`unknown time zone "${timeZone}"`);
  const f = formatter(timeZone);
  const afterMs = after.getTime();
  let from = wallOf(f, Math.floor(afterMs / 1000) * 1000) + 1000;
  const lastYear = new Date(from).getUTCFullYear() + SEARCH_YEARS;
  for (;;) {
    const wall = nextWall(s, from, lastYear);
    if (wall === null) return null;
    const t = firstInstant(f, wall);
    if (t !== null && t > afterMs) return new Date(t);
    from = wall + 1000;
  }
}

const firstAtOrAfter = (values: number[], v: number) => values.find((x) => x >= v);
const daysIn = (y: number, month: number) => new Date(Date.UTC(y, month, 0)).getUTCDate();

function dayMatches(s: CronSchedule, y: number, month: number, d: number): boolean {
  const dom = s.daysOfMonth.includes(d);
  const dow = s.daysOfWeek.includes(new Date(Date.UTC(y, month - 1, d)).getUTCDay());
  if (s.domRestricted && s.dowRestricted) return dom || dow;
  return dom && dow;
}

/** The first wall-clock time at or after `from` (both UTC-encoded) matching all fields, or null. */
function nextWall(s: CronSchedule, from: number, lastYear: number): number | null {
  const start = new Date(from);
  let y = start.getUTCFullYear();
  let mo = start.getUTCMonth() + 1;
  let d = start.getUTCDate();
  let h = start.getUTCHours();
  let mi = start.getUTCMinutes();
  let sec = start.getUTCSeconds();
  // Each miss moves the smallest failing unit forward and zeroes the units below it.
  for (;;) {
    if (sec > 59) [mi, sec] = [mi + 1, 0];
    if (mi > 59) [h, mi] = [h + 1, 0];
    if (h > 23) [d, h] = [d + 1, 0];
    if (d > daysIn(y, mo)) [mo, d] = [mo + 1, 1];
    if (mo > 12) [y, mo] = [y + 1, 1];
    if (y > lastYear) return null;
    const m = firstAtOrAfter(s.months, mo);
    if (m !== mo) {
      [mo, d, h, mi, sec] = m === undefined ? [13, 1, 0, 0, 0] : [m, 1, 0, 0, 0];
      continue;
    }
    if (!dayMatches(s, y, mo, d)) {
      [d, h, mi, sec] = [d + 1, 0, 0, 0];
      continue;
    }
    const hh = firstAtOrAfter(s.hours, h);
    if (hh !== h) {
      [h, mi, sec] = hh === undefined ? [24, 0, 0] : [hh, 0, 0];
      continue;
    }
    const mm = firstAtOrAfter(s.minutes, mi);
    if (mm !== mi) {
      [mi, sec] = mm === undefined ? [60, 0] : [mm, 0];
      continue;
    }
    const ss = firstAtOrAfter(s.seconds, sec);
    if (ss === undefined) {
      sec = 60;
      continue;
    }
    return Date.UTC(y, mo - 1, d, h, mi, ss);
  }
}
