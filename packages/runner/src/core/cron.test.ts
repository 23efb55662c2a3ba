import { describe, expect, test } from "bun:test";
import { isTimeZone, nextFire, parseSchedule, type Schedule, ScheduleError } from "./cron.ts";

const range = (from: number, to: number, step = 1) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

function cron(text: string) {
  const s = parseSchedule(text);
  if (s.kind !== "cron") throw new Error(`${text} parsed as ${s.kind}`);
  return s;
}

/** The next fire after `after` (an ISO string) as an ISO string, or null. */
function next(text: string, after: string, tz = "UTC"): string | null {
  return nextFire(parseSchedule(text), new Date(after), tz)?.toISOString() ?? null;
}

/** The next `n` fires after `after`, each strictly after the one before. */
function fires(text: string, after: string, tz: string, n: number): string[] {
  const out: string[] = [];
  let at = new Date(after);
  for (let i = 0; i < n; i++) {
    const t = nextFire(parseSchedule(text), at, tz);
    if (!t) break;
    out.push(t.toISOString());
    at = t;
  }
  return out;
}

describe("parseSchedule", () => {
  test("5-field cron: star, value, list, range, steps", () => {
    const s = cron("*/15 9-17 1,15 * 1-5");
    expect(s.seconds).toEqual([0]);
    expect(s.minutes).toEqual([0, 15, 30, 45]);
    expect(s.hours).toEqual(range(9, 17));
    expect(s.daysOfMonth).toEqual([1, 15]);
    expect(s.months).toEqual(range(1, 12));
    expect(s.daysOfWeek).toEqual([1, 2, 3, 4, 5]);
    expect([s.domRestricted, s.dowRestricted]).toEqual([true, true]);
    expect(cron("10-50/5 * * * *").minutes).toEqual(range(10, 50, 5));
    expect(cron("7/20 * * * *").minutes).toEqual([7, 27, 47]);
    expect(cron("0 0 * * *").dowRestricted).toBe(false);
  });

  test("6-field cron puts seconds first", () => {
    const s = cron("*/20 5 4 3 2 1");
    expect([s.seconds, s.minutes, s.hours, s.daysOfMonth, s.months, s.daysOfWeek]).toEqual([
      [0, 20, 40],
      [5],
      [4],
      [3],
      [2],
      [1],
    ]);
  });

  test("month and day names, case-insensitive, in lists and ranges", () => {
    expect(cron("0 0 * jan,Mar,DEC *").months).toEqual([1, 3, 12]);
    expect(cron("0 0 * FEB-apr *").months).toEqual([2, 3, 4]);
    expect(cron("0 0 * * mon-FRI").daysOfWeek).toEqual([1, 2, 3, 4, 5]);
    expect(cron("0 0 * * sun,Sat").daysOfWeek).toEqual([0, 6]);
  });

  test("day-of-week 7 is Sunday", () => {
    expect(cron("0 0 * * 7").daysOfWeek).toEqual([0]);
    expect(cron("0 0 * * 5-7").daysOfWeek).toEqual([0, 5, 6]);
    expect(cron("0 0 * * 0,7").daysOfWeek).toEqual([0]);
  });

  test("aliases, with or without @, any case", () => {
    const daily = cron("daily");
    expect([daily.minutes, daily.hours, daily.daysOfWeek.length]).toEqual([[0], [0], 7]);
    expect(cron("@daily").text).toBe("@daily");
    const hourly = cron("HOURLY");
    expect([hourly.minutes, hourly.hours.length]).toEqual([[0], 24]);
    expect(cron("@hourly").hours.length).toBe(24);
    for (const w of ["weekly", "@weekly"]) {
      const weekly = cron(w);
      expect([weekly.minutes, weekly.hours, weekly.daysOfWeek]).toEqual([[0], [0], [0]]);
    }
    expect(parseSchedule("manual")).toEqual({ kind: "manual" } satisfies Schedule);
    expect(parseSchedule("  Manual ")).toEqual({ kind: "manual" });
  });

  test("keeps the trimmed text and tolerates extra whitespace between fields", () => {
    const s = cron("  0   8\t* * * ");
    expect(s.text).toBe("0   8\t* * *");
    expect(s.hours).toEqual([8]);
  });

  const errors: [string, RegExp][] = [
    ["", /has 0 field\(s\); expected 5 .*daily, hourly, weekly, manual/],
    ["0 8 * *", /has 4 field\(s\)/],
    ["0 0 8 * * * *", /has 7 field\(s\)/],
    ["@monthly", /has 1 field\(s\)/],
    ["60 * * * *", /^minute field "60": value 60 is out of range; allowed 0-59$/],
    ["0 24 * * *", /^hour field "24": value 24 is out of range; allowed 0-23$/],
    ["0 0 0 * *", /^day-of-month field "0": value 0 is out of range; allowed 1-31$/],
    ["0 0 32 * *", /day-of-month field "32": value 32 is out of range; allowed 1-31/],
    ["0 0 * 13 *", /^month field "13": value 13 is out of range; allowed 1-12$/],
    ["0 0 * * 8", /^day-of-week field "8": value 8 is out of range; allowed 0-7$/],
    ["60 0 0 * * *", /^second field "60": value 60 is out of range; allowed 0-59$/],
    ["0 0 * FOO *", /^month field "FOO": "FOO" is not a number or a name JAN-DEC; allowed 1-12$/],
    ["0 0 * * MONDAY", /day-of-week field "MONDAY": "MONDAY" is not a number or a name SUN-SAT; allowed 0-7/],
    ["MON 0 * * *", /^minute field "MON": "MON" is not a number; allowed 0-59$/],
    ["1.5 * * * *", /minute field "1.5": "1.5" is not a number/],
    ["-1 * * * *", /minute field "-1": "-1" is not a value, range a-b or step x\/n/],
    ["1,,2 * * * *", /^minute field "1,,2": empty item in list$/],
    ["5-1 * * * *", /^minute field "5-1": range 5-1 runs backwards$/],
    ["0 0 * * FRI-MON", /day-of-week field "FRI-MON": range FRI-MON runs backwards/],
    ["*/0 * * * *", /^minute field "\*\/0": step "0" must be a number 1-59$/],
    ["*/60 * * * *", /step "60" must be a number 1-59/],
    ["*/x * * * *", /step "x" must be a number 1-59/],
    ["1-5/ * * * *", /step "" must be a number 1-59/],
    ["*-5 * * * *", /"\*-5": "\*" cannot start a range/],
    ["1-2-3 * * * *", /"1-2-3" is not a value, range a-b or step x\/n/],
    ["1/2/3 * * * *", /"1\/2\/3" is not a value, range a-b or step x\/n/],
  ];
  for (const [input, message] of errors)
    test(`rejects ${JSON.stringify(input)}`, () => {
      let err: unknown;
      try {
        parseSchedule(input);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ScheduleError);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(message);
    });
});

describe("isTimeZone", () => {
  test("knows IANA zones and refuses the rest", () => {
    for (const tz of ["UTC", "Europe/Amsterdam", "America/New_York", "Asia/Kolkata"])
      expect(isTimeZone(tz)).toBe(true);
    for (const tz of ["", " ", "Mars/Olympus", "Europe/Nowhere", "not a zone"])
      expect(isTimeZone(tz)).toBe(false);
  });
});

describe("nextFire in UTC", () => {
  test("the first fire strictly after the instant", () => {
    expect(next("0 8 * * *", "2024-05-01T07:59:59.999Z")).toBe("2024-05-01T08:00:00.000Z");
    expect(next("0 8 * * *", "2024-05-01T08:00:00.000Z")).toBe("2024-05-02T08:00:00.000Z");
    expect(next("0 8 * * *", "2024-05-01T08:00:00.001Z")).toBe("2024-05-02T08:00:00.000Z");
    expect(next("*/15 * * * *", "2024-05-01T10:14:30Z")).toBe("2024-05-01T10:15:00.000Z");
  });

  test("rolls over hours, days, months and years", () => {
    expect(next("30 * * * *", "2024-05-01T23:45:00Z")).toBe("2024-05-02T00:30:00.000Z");
    expect(next("0 0 1 * *", "2024-01-31T12:00:00Z")).toBe("2024-02-01T00:00:00.000Z");
    expect(next("0 0 31 * *", "2024-04-01T00:00:00Z")).toBe("2024-05-31T00:00:00.000Z");
    expect(next("0 12 25 DEC *", "2024-12-25T12:00:00Z")).toBe("2025-12-25T12:00:00.000Z");
  });

  test("6-field schedules fire on seconds", () => {
    expect(fires("*/20 * * * * *", "2024-05-01T10:00:05Z", "UTC", 3)).toEqual([
      "2024-05-01T10:00:20.000Z",
      "2024-05-01T10:00:40.000Z",
      "2024-05-01T10:01:00.000Z",
    ]);
    expect(next("30 0 9 * * *", "2024-05-01T09:00:30Z")).toBe("2024-05-02T09:00:30.000Z");
  });

  test("aliases", () => {
    expect(next("daily", "2024-05-01T10:00:00Z")).toBe("2024-05-02T00:00:00.000Z");
    expect(next("@hourly", "2024-05-01T10:00:00Z")).toBe("2024-05-01T11:00:00.000Z");
    // 2024-05-01 is a Wednesday; the next Sunday is the 5th.
    expect(next("weekly", "2024-05-01T10:00:00Z")).toBe("2024-05-05T00:00:00.000Z");
  });

  test("day-of-month OR day-of-week when both are restricted", () => {
    // 13th of the month or any Friday: from Wed 2024-05-01, Friday the 3rd comes first, then the 10th, then the 13th.
    expect(fires("0 0 13 * FRI", "2024-05-01T00:00:00Z", "UTC", 3)).toEqual([
      "2024-05-03T00:00:00.000Z",
      "2024-05-10T00:00:00.000Z",
      "2024-05-13T00:00:00.000Z",
    ]);
  });

  test("AND when either day field starts with *", () => {
    expect(next("0 0 * * FRI", "2024-05-01T00:00:00Z")).toBe("2024-05-03T00:00:00.000Z");
    expect(next("0 0 13 * *", "2024-05-01T00:00:00Z")).toBe("2024-05-13T00:00:00.000Z");
    // Odd days that are Mondays (crontab(5): a field starting with * is unrestricted).
    expect(next("0 0 */2 * MON", "2024-05-01T00:00:00Z")).toBe("2024-05-13T00:00:00.000Z");
    // Friday the 13th via */1 on day-of-week is still the plain AND.
    expect(next("0 0 13 * */1", "2024-05-01T00:00:00Z")).toBe("2024-05-13T00:00:00.000Z");
  });

  test("leap days, and schedules that never fire", () => {
    expect(next("0 0 29 2 *", "2024-03-01T00:00:00Z")).toBe("2028-02-29T00:00:00.000Z");
    expect(next("0 0 29 2 *", "2096-03-01T00:00:00Z")).toBe("2104-02-29T00:00:00.000Z");
    expect(next("0 0 30 2 *", "2024-01-01T00:00:00Z")).toBeNull();
    expect(next("0 0 31 4,6,9,11 *", "2024-01-01T00:00:00Z")).toBeNull();
    expect(next("manual", "2024-01-01T00:00:00Z")).toBeNull();
  });

  test("an unknown time zone is a ScheduleError", () => {
    expect(() => next("daily", "2024-01-01T00:00:00Z", "Mars/Olympus")).toThrow(ScheduleError);
  });

  test("a never-firing schedule is refused quickly", () => {
    const s = parseSchedule("*/5 * 31 FEB *");
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) expect(nextFire(s, new Date(Date.UTC(2024, 0, 1)), "UTC")).toBeNull();
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe("nextFire across DST", () => {
  test("Amsterdam spring forward: 02:30 does not exist on 2024-03-31 and is skipped", () => {
    expect(fires("30 2 * * *", "2024-03-29T12:00:00Z", "Europe/Amsterdam", 2)).toEqual([
      "2024-03-30T01:30:00.000Z", // 02:30 CET
      "2024-04-01T00:30:00.000Z", // 02:30 CEST; the 31st has no 02:30
    ]);
    // Hours either side of the gap still fire, in the right offset.
    expect(next("30 1 * * *", "2024-03-30T12:00:00Z", "Europe/Amsterdam")).toBe("2024-03-31T00:30:00.000Z");
    expect(next("30 3 * * *", "2024-03-30T12:00:00Z", "Europe/Amsterdam")).toBe("2024-03-31T01:30:00.000Z");
  });

  test("Amsterdam fall back: 02:30 happens twice on 2024-10-27 and fires once, at the first", () => {
    expect(fires("30 2 * * *", "2024-10-26T12:00:00Z", "Europe/Amsterdam", 2)).toEqual([
      "2024-10-27T00:30:00.000Z", // 02:30 CEST
      "2024-10-28T01:30:00.000Z", // next day 02:30 CET; the second 02:30 of the 27th is not a fire
    ]);
    // Asked from inside the repeated hour, the second occurrence is still not a fire.
    expect(next("30 2 * * *", "2024-10-27T01:10:00Z", "Europe/Amsterdam")).toBe("2024-10-28T01:30:00.000Z");
  });

  test("Amsterdam hourly: 23 fires on the short day, 24 on the long one", () => {
    const spring = fires("0 * * * *", "2024-03-30T22:59:59Z", "Europe/Amsterdam", 24);
    expect(spring.slice(0, 3)).toEqual([
      "2024-03-30T23:00:00.000Z",
      "2024-03-31T00:00:00.000Z",
      "2024-03-31T01:00:00.000Z", // 03:00 CEST follows 01:00 CET
    ]);
    expect(spring.indexOf("2024-03-31T22:00:00.000Z")).toBe(23); // local midnight of April 1st
    const fall = fires("0 * * * *", "2024-10-26T21:59:59Z", "Europe/Amsterdam", 25);
    expect(fall.slice(2, 4)).toEqual([
      "2024-10-27T00:00:00.000Z", // 02:00 CEST
      "2024-10-27T02:00:00.000Z", // 03:00 CET; the second 02:00 is skipped
    ]);
    expect(fall.indexOf("2024-10-27T23:00:00.000Z")).toBe(24); // local midnight of October 28th
  });

  test("New York spring forward (2024-03-10): 02:30 is skipped, 01:30 and 03:00 keep their offsets", () => {
    expect(fires("30 2 * * *", "2024-03-09T12:00:00Z", "America/New_York", 2)).toEqual([
      "2024-03-11T06:30:00.000Z",
      "2024-03-12T06:30:00.000Z",
    ]);
    expect(next("30 1 * * *", "2024-03-09T12:00:00Z", "America/New_York")).toBe("2024-03-10T06:30:00.000Z");
    expect(next("0 3 * * *", "2024-03-09T12:00:00Z", "America/New_York")).toBe("2024-03-10T07:00:00.000Z");
  });

  test("New York fall back (2024-11-03): the repeated 01:xx fires once, in EDT", () => {
    expect(fires("30 1 * * *", "2024-11-02T12:00:00Z", "America/New_York", 2)).toEqual([
      "2024-11-03T05:30:00.000Z",
      "2024-11-04T06:30:00.000Z",
    ]);
    expect(fires("*/15 1 * * *", "2024-11-03T04:50:00Z", "America/New_York", 5)).toEqual([
      "2024-11-03T05:00:00.000Z",
      "2024-11-03T05:15:00.000Z",
      "2024-11-03T05:30:00.000Z",
      "2024-11-03T05:45:00.000Z",
      "2024-11-04T06:00:00.000Z",
    ]);
  });

  test("6-field every second through the Amsterdam gap jumps from 01:59:59 CET to 03:00:00 CEST", () => {
    expect(fires("* * * * * *", "2024-03-31T00:59:58Z", "Europe/Amsterdam", 2)).toEqual([
      "2024-03-31T00:59:59.000Z",
      "2024-03-31T01:00:00.000Z",
    ]);
  });
});
