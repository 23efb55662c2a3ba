import { describe, expect, test } from "bun:test";
import { normaliseNotePath, pathKey } from "../src/core/paths.ts";
import { expectVaultError } from "../testing/core.ts";

describe("normaliseNotePath", () => {
  test.each([
    ["notes/today", "notes/today"],
    ["  notes/today  ", "notes/today"],
    ["notes//deep///today", "notes/deep/today"],
    ["/notes/today/", "notes/today"],
    ["//notes/today//", "notes/today"],
    ["notes/today.md", "notes/today"],
    ["notes/today.MD", "notes/today"],
    ["/notes/today.md/", "notes/today"],
    ["archive.md/today", "archive.md/today"],
    ["Café Notes/Ünïcode", "Café Notes/Ünïcode"],
    ["a.b/c d", "a.b/c d"],
  ])("%p becomes %p", (raw, want) => {
    expect(normaliseNotePath(raw)).toBe(want);
  });

  test("keeps the case it was given", () => {
    expect(normaliseNotePath("Projects/Alpha")).toBe("Projects/Alpha");
  });

  test("is its own canonical form: a path it returns names the same note when looked up", () => {
    expect(normaliseNotePath("notes.md.md")).toBe("notes");
    expect(normaliseNotePath("wrong/report /")).toBe("wrong/report");
    expect(normaliseNotePath("x/trail .md")).toBe("x/trail");
    expect(normaliseNotePath("a.md/b .MD/")).toBe("a.md/b");
    for (const raw of ["a .md.md /", " b/c.md /", "d//e.md", "e.md /", "f/ g /h.md.MD/ "]) {
      const once = normaliseNotePath(raw);
      expect(normaliseNotePath(once)).toBe(once);
    }
    expectVaultError(() => normaliseNotePath("b/c.md /.md"), "invalid", "invalid_path");
  });

  test.each([
    ["..", "dot-dot alone"],
    ["../secrets", "a leading .."],
    ["a/../b", "a .. in the middle"],
    ["a/..", "a trailing .."],
    [".", "dot alone"],
    ["a/./b", "a . segment"],
    ["..md", "a name that is .. once .md is dropped"],
    ["a\u0000b", "a NUL"],
    ["a\nb", "a newline"],
    ["a\tb", "a tab"],
    ["a\u001bb", "an escape character"],
    ["a\u007fb", "DEL"],
    ["a\\b", "a backslash"],
    ["..\\windows", "a backslash traversal"],
    ["", "the empty string"],
    ["   ", "only spaces"],
    ["/", "only a slash"],
    [".md", "only .md"],
    ["a/   /b", "a whitespace-only segment"],
    ["a/.md", "an empty last segment once .md is dropped"],
  ])("refuses %p (%s)", (raw) => {
    expectVaultError(() => normaliseNotePath(raw), "invalid", "invalid_path");
  });

  test("refuses C1 control characters too", () => {
    // U+0085 (NEL) is a line break to some tools; U+009B is a terminal escape introducer.
    expectVaultError(() => normaliseNotePath("a\u0085b"), "invalid", "invalid_path");
    expectVaultError(() => normaliseNotePath("a\u009bb"), "invalid", "invalid_path");
  });

  test("allows 512 characters and refuses 513", () => {
    const ok = `${"a/".repeat(255)}ab`;
    expect(ok.length).toBe(512);
    expect(normaliseNotePath(ok)).toBe(ok);
    expectVaultError(() => normaliseNotePath(`${ok}c`), "invalid", "invalid_path");
  });

  test("counts length after normalising, so padding does not push a path over the limit", () => {
    const body = "x".repeat(512);
    expect(normaliseNotePath(`  /${body}.md/  `)).toBe(body);
  });

  test("refuses a path that is not a string", () => {
    expectVaultError(() => normaliseNotePath(42 as unknown as string), "invalid", "invalid_path");
  });
});

describe("pathKey", () => {
  test("is the lowercase path, so paths differing only in case share a key", () => {
    expect(pathKey("Projects/Alpha")).toBe("projects/alpha");
    expect(pathKey("PROJECTS/ALPHA")).toBe(pathKey("projects/alpha"));
    expect(pathKey("Café/Ünï")).toBe("café/ünï");
  });

  test("paths differing in more than case have different keys", () => {
    expect(pathKey("projects/alpha")).not.toBe(pathKey("projects/alpha2"));
  });
});
