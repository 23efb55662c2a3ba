import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_LINE, ModuleLog, pumpLines } from "./log-sink.ts";

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function log(echoed: string[], maxBytes = 100, keep = 3, tailLines = 4) {
  dir = mkdtempSync(join(tmpdir(), "log-sink-"));
  return new ModuleLog("alpha", { dir, maxBytes, keep, tailLines, echo: (l) => echoed.push(l) });
}

describe("ModuleLog", () => {
  test("echoes each line prefixed with the module's name and appends it to its file", () => {
    const echoed: string[] = [];
    const l = log(echoed, 1000);
    l.write(["one", "two"]);
    expect(echoed).toEqual(["[alpha] one", "[alpha] two"]);
    expect(readFileSync(join(dir, "alpha.log"), "utf8")).toBe("one\ntwo\n");
  });

  test("rotates by size and keeps only the configured number of old files", () => {
    const l = log([], 100, 3);
    for (let i = 0; i < 40; i++) l.write([`line ${i} ${"x".repeat(30)}`]);
    expect(statSync(join(dir, "alpha.log")).size).toBeLessThanOrEqual(100);
    for (const n of [1, 2, 3]) expect(existsSync(join(dir, `alpha.log.${n}`))).toBe(true);
    expect(existsSync(join(dir, "alpha.log.4"))).toBe(false);
    expect(readFileSync(join(dir, "alpha.log"), "utf8")).toContain("line 39");
  });

  test("control characters never reach the terminal, the file or the API: they are shown as \\xNN", () => {
    const echoed: string[] = [];
    const l = log(echoed, 1000);
    l.write(["\u001b[2Jcleared\ttabbed\u0007"]);
    expect(echoed).toEqual(["[alpha] \\x1b[2Jcleared\ttabbed\\x07"]);
    expect(l.last(1)).toEqual(["\\x1b[2Jcleared\ttabbed\\x07"]);
  });

  test("a newline or a bidirectional override inside a line cannot forge a line of its own", () => {
    const echoed: string[] = [];
    const l = log(echoed, 1000);
    l.write(['1.0.0\n[hub] admin "mallory" created\r\u202efdp.exe\u2028x']);
    expect(echoed).toEqual(['[alpha] 1.0.0\\x0a[hub] admin "mallory" created\\x0d\\u202efdp.exe\\u2028x']);
    expect(readFileSync(join(dir, "alpha.log"), "utf8").split("\n").filter(Boolean)).toHaveLength(1);
  });

  test("keeps a bounded in-memory tail and tells followers about new lines", () => {
    const l = log([], 10_000, 3, 4);
    const followed: string[] = [];
    const off = l.follow((line) => followed.push(line));
    l.write(["a", "b", "c", "d", "e", "f"]);
    off();
    l.write(["g"]);
    expect(l.last(10)).toEqual(["d", "e", "f", "g"]);
    expect(l.last(2)).toEqual(["f", "g"]);
    expect(followed).toEqual(["a", "b", "c", "d", "e", "f"]);
  });
});

describe("pumpLines", () => {
  test("splits a byte stream into lines across chunk boundaries, CRLF included", async () => {
    const chunks = ["hel", "lo\r\nwor", "ld\npartial"].map((s) => new TextEncoder().encode(s));
    const stream = new ReadableStream({
      start(c) {
        for (const ch of chunks) c.enqueue(ch);
        c.close();
      },
    });
    const lines: string[] = [];
    await pumpLines(stream, (batch) => lines.push(...batch));
    expect(lines).toEqual(["hello", "world", "partial"]);
  });
});

describe("pumpLines with huge lines", () => {
  const streamOf = (chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (const ch of chunks) c.enqueue(new TextEncoder().encode(ch));
        c.close();
      },
    });

  test("a line over 16 KB is cut with a marker, the rest of it dropped, the next line kept whole", async () => {
    const huge = "x".repeat(64 * 1024);
    const chunks = ["before\n", ...Array.from({ length: 40 }, () => huge), "\nafter\n"];
    const lines: string[] = [];
    await pumpLines(streamOf(chunks), (batch) => lines.push(...batch));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe("before");
    expect(lines[1]!.startsWith("x".repeat(MAX_LINE))).toBe(true);
    expect(lines[1]).toEndWith("[… cut: line longer than 16 KB]");
    expect(lines[1]!.length).toBeLessThan(MAX_LINE + 100);
    expect(lines[2]).toBe("after");
  });

  test("a line of exactly 16 KB is kept whole; an unterminated huge tail is cut once", async () => {
    const exact = "y".repeat(MAX_LINE);
    const lines: string[] = [];
    await pumpLines(streamOf([`${exact}\n`, "z".repeat(3 * MAX_LINE)]), (batch) => lines.push(...batch));
    expect(lines[0]).toBe(exact);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toEndWith("[… cut: line longer than 16 KB]");
  });
});
