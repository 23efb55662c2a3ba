import { describe, expect, test } from "bun:test";
import { nextFire, parseSchedule } from "./cron.ts";

/** mulberry32: a small seeded PRNG, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface FieldSpec {
  min: number;
  max: number;
  names?: string[];
  /** Values picked more often, to land on DST transitions. */
  hot?: number[];
  /** How often the field is `*`. */
  star: number;
}

/** A random field's text with the values it must allow, worked out independently of the parser. */
interface Field {
  text: string;
  values: Set<number>;
  restricted: boolean;
}

const SPECS: FieldSpec[] = [
  { min: 0, max: 59, star: 0.35 },
  { min: 0, max: 23, hot: [1, 2, 3], star: 0.35 },
  { min: 1, max: 31, star: 0.35 },
  // Mostly `*`, or most schedules would not fire within the reference's horizon.
  { min: 1, max: 12, names: "_ JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(" "), star: 0.75 },
  { min: 0, max: 7, names: "SUN MON TUE WED THU FRI SAT".split(" "), star: 0.35 },
];

function randomField(r: () => number, spec: FieldSpec): Field {
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = () =>
    spec.hot && r() < 0.3 ? spec.hot[int(0, spec.hot.length - 1)]! : int(spec.min, spec.max);
  const show = (v: number) => {
    const name = spec.names?.[v];
    if (!name || name === "_" || r() < 0.6) return String(v);
    return r() < 0.5 ? name : name.toLowerCase();
  };
  const span = (from: number, to: number, step: number) => new Set(range(from, to, step));
  if (r() < spec.star) return { text: "*", values: span(spec.min, spec.max, 1), restricted: false };
  const roll = r();
  if (roll < 0.15) {
    const n = int(1, spec.max);
    return { text: `*/${n}`, values: span(spec.min, spec.max, n), restricted: false };
  }
  if (roll < 0.7) {
    const vs = Array.from({ length: roll < 0.4 ? 1 : int(2, 3) }, pick);
    return { text: vs.map(show).join(","), values: new Set(vs), restricted: true };
  }
  const [a, b] = [pick(), pick()].sort((x, y) => x - y) as [number, number];
  if (roll < 0.85) return { text: `${show(a)}-${show(b)}`, values: span(a, b, 1), restricted: true };
  const n = int(1, spec.max);
  return { text: `${show(a)}-${show(b)}/${n}`, values: span(a, b, n), restricted: true };
}

const range = (from: number, to: number, step: number) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

function randomExpression(r: () => number): { text: string; fields: Field[] } {
  const fields = SPECS.map((spec) => randomField(r, spec));
  return { text: fields.map((f) => f.text).join(" "), fields };
}

/** Local wall-clock time of instant `t` as a UTC-encoded number, read with a formatter of the test's own. */
function wallReader(timeZone: string): (t: number) => number {
  const f = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  return (t) => {
    const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, Number(x.value)]));
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  };
}

function matches(fields: Field[], wall: number): boolean {
  const [minute, hour, dom, month, dow] = fields as [Field, Field, Field, Field, Field];
  if (!minute.values.has(Math.floor(wall / MINUTE) % 60) || !hour.values.has(Math.floor(wall / HOUR) % 24))
    return false;
  const d = new Date(wall);
  if (!month.values.has(d.getUTCMonth() + 1)) return false;
  const byDom = dom.values.has(d.getUTCDate());
  const weekday = d.getUTCDay();
  const byDow = dow.values.has(weekday) || (weekday === 0 && dow.values.has(7));
  return dom.restricted && dow.restricted ? byDom || byDow : byDom && byDow;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Local times of `count` minutes from `start`, read minute by minute only where the offset changes. */
function localMinutes(wallOf: (t: number) => number, start: number, count: number): number[] {
  const first = wallOf(start);
  if (wallOf(start + (count - 1) * MINUTE) - first === (count - 1) * MINUTE)
    return range(0, count - 1, 1).map((i) => first + i * MINUTE);
  if (count > 60)
    return range(0, count / 60 - 1, 1).flatMap((h) => localMinutes(wallOf, start + h * HOUR, 60));
  return range(0, count - 1, 1).map((i) => wallOf(start + i * MINUTE));
}

/**
 * Minute by minute: the first instant after `after` whose local time matches and did not already occur
 * in the three hours before (a repeated local time fires only at its first occurrence). `end` is where
 * the scan stopped when nothing matched.
 */
function bruteNext(fields: Field[], after: number, wallOf: (t: number) => number, horizon: number) {
  const end = after + horizon;
  const repeated = (t: number, wall: number) => range(1, 180, 1).some((k) => wallOf(t - k * MINUTE) === wall);
  for (let dayStart = Math.floor(after / DAY) * DAY; dayStart < end; dayStart += DAY) {
    const day = localMinutes(wallOf, dayStart, 1440);
    for (let i = 0; i < 1440; i++) {
      const t = dayStart + i * MINUTE;
      if (t > after && matches(fields, day[i]!) && !repeated(t, day[i]!)) return { fire: t, end };
    }
  }
  return { fire: null, end };
}

const transitionCache = new WeakMap<(t: number) => number, Map<number, number[]>>();

/** The instants in `year` at which the zone's UTC offset changes, to the minute. */
function transitions(wallOf: (t: number) => number, year: number): number[] {
  const years = transitionCache.get(wallOf) ?? new Map<number, number[]>();
  transitionCache.set(wallOf, years);
  const cached = years.get(year);
  if (cached) return cached;
  const offset = (t: number) => wallOf(t) - t;
  const out: number[] = [];
  let prev = offset(Date.UTC(year, 0, 1));
  for (let d = Date.UTC(year, 0, 1); d < Date.UTC(year + 1, 0, 1); d += DAY) {
    const o = offset(d + DAY);
    if (o !== prev) {
      let [lo, hi] = [d, d + DAY];
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
        if (offset(mid) === prev) lo = mid;
        else hi = mid;
      }
      out.push(hi);
    }
    prev = o;
  }
  years.set(year, out);
  return out;
}

/** A random instant: uniform over 2000–2035, or, in a zone with DST, within two hours of a change. */
function randomInstant(r: () => number, wallOf: (t: number) => number): number {
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  let t = Date.UTC(2000, 0, 1) + Math.floor(r() * 36 * 365.25 * DAY);
  if (r() < 0.5) {
    const changes = transitions(wallOf, int(2001, 2035));
    if (changes.length > 0) t = changes[int(0, changes.length - 1)]! + int(-120, 60) * MINUTE;
  }
  t = Math.floor(t / MINUTE) * MINUTE;
  return r() < 0.3 ? t : t + int(0, 59_999);
}

const HORIZON = 40 * DAY;

describe("nextFire against a minute-by-minute reference", () => {
  for (const [timeZone, seed] of [
    ["UTC", 1],
    ["Europe/Amsterdam", 2],
    ["America/New_York", 3],
  ] as const)
    test(`300 random 5-field schedules in ${timeZone}`, () => {
      const r = prng(seed);
      const wallOf = wallReader(timeZone);
      const mismatches: object[] = [];
      let fired = 0;
      for (let i = 0; i < 300; i++) {
        const { text, fields } = randomExpression(r);
        const after = randomInstant(r, wallOf);
        const got = nextFire(parseSchedule(text), new Date(after), timeZone)?.getTime() ?? null;
        const want = bruteNext(fields, after, wallOf, HORIZON);
        if (want.fire !== null) fired++;
        const ok = want.fire !== null ? got === want.fire : got === null || got >= want.end;
        if (!ok)
          mismatches.push({
            text,
            after: new Date(after).toISOString(),
            got: got === null ? null : new Date(got).toISOString(),
            want:
              want.fire === null
                ? `none before ${new Date(want.end).toISOString()}`
                : new Date(want.fire).toISOString(),
          });
      }
      expect(mismatches.slice(0, 5)).toEqual([]);
      expect(fired).toBeGreaterThan(200); // the generator must mostly produce schedules that fire
    });
});

describe("nextFire speed", () => {
  test("1,000 schedules' next fires (timing printed, not asserted)", () => {
    const r = prng(42);
    const texts = Array.from({ length: 1000 }, () => randomExpression(r).text);
    const after = new Date(Date.UTC(2024, 9, 26, 23, 30)); // the night Europe falls back
    const t0 = performance.now();
    const schedules = texts.map(parseSchedule);
    const t1 = performance.now();
    const next = schedules.map((s) => nextFire(s, after, "Europe/Berlin"));
    const t2 = performance.now();
    console.log(
      `cron: 1,000 schedules parsed in ${(t1 - t0).toFixed(1)} ms, next fires (Europe/Berlin) in ${(t2 - t1).toFixed(1)} ms`,
    );
    expect(next.filter((t) => t !== null).length).toBeGreaterThan(900);
  });
});
