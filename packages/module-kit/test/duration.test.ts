import { describe, expect, test } from "bun:test";
import { parseDuration } from "../src/duration.ts";

describe("parseDuration", () => {
  test.each([
    ["90s", 90],
    ["15m", 900],
    ["12h", 43_200],
    ["30d", 2_592_000],
    ["600", 600],
    [" 1h ", 3600],
  ])("%p is %p seconds", (raw, seconds) => {
    expect(parseDuration(raw)).toBe(seconds);
  });

  test.each(["", "m", "1.5h", "-1m", "1w", "10 m", "1h30m", "99999999s", "1e3"])(
    "%p is not a duration",
    (raw) => {
      expect(parseDuration(raw)).toBeNull();
    },
  );
});
