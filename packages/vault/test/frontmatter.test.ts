import { describe, expect, test } from "bun:test";
import { joinFrontmatter, splitFrontmatter } from "../src/core/frontmatter.ts";
import { expectVaultError } from "../testing/core.ts";

describe("frontmatter", () => {
  test("splits YAML frontmatter from the body", () => {
    const text = "---\ntitle: Alpha\ncount: 3\ndone: false\ntags:\n  - x\n  - y\n---\n# Alpha\n\nbody\n";
    expect(splitFrontmatter(text)).toEqual({
      metadata: { title: "Alpha", count: 3, done: false, tags: ["x", "y"] },
      body: "# Alpha\n\nbody\n",
    });
  });

  test("accepts CRLF line endings", () => {
    expect(splitFrontmatter("---\r\ntitle: A\r\n---\r\nbody\r\n")).toEqual({
      metadata: { title: "A" },
      body: "body\r\n",
    });
  });

  test("frontmatter with no body gives an empty body", () => {
    expect(splitFrontmatter("---\na: 1\n---")).toEqual({ metadata: { a: 1 }, body: "" });
  });

  test("no frontmatter: empty metadata and the whole text as the body", () => {
    for (const text of [
      "# Just markdown\n\n---\nnot: frontmatter\n---\n",
      "",
      "--- not a fence\n",
      " ---\na: 1\n---\n",
    ]) {
      expect(splitFrontmatter(text)).toEqual({ metadata: {}, body: text });
    }
  });

  test("an unclosed block is not frontmatter", () => {
    const text = "---\na: 1\nno closing line\n";
    expect(splitFrontmatter(text)).toEqual({ metadata: {}, body: text });
  });

  test("a block holding only blank lines or null is empty metadata", () => {
    expect(splitFrontmatter("---\n\n---\nbody")).toEqual({ metadata: {}, body: "body" });
    expect(splitFrontmatter("---\nnull\n---\nbody")).toEqual({ metadata: {}, body: "body" });
  });

  test("YAML that does not parse is refused as invalid", () => {
    const err = expectVaultError(
      () => splitFrontmatter("---\ntitle: [unclosed\n---\nbody"),
      "invalid",
      "invalid_frontmatter",
    );
    expect(err.message).toContain("YAML");
    expectVaultError(() => splitFrontmatter("---\na: 1\na: 2\n---\n"), "invalid", "invalid_frontmatter");
  });

  test("frontmatter that is not a mapping is refused", () => {
    expectVaultError(() => splitFrontmatter("---\n- a\n- b\n---\nbody"), "invalid", "invalid_frontmatter");
    expectVaultError(
      () => splitFrontmatter("---\njust a string\n---\nbody"),
      "invalid",
      "invalid_frontmatter",
    );
    expectVaultError(() => splitFrontmatter("---\n42\n---\nbody"), "invalid", "invalid_frontmatter");
  });

  test("no metadata joins to the bare body", () => {
    expect(joinFrontmatter({}, "body\n")).toBe("body\n");
  });

  test("join then split gives back the same metadata and body", () => {
    const metadata = {
      title: "Alpha: the first",
      count: 3,
      ratio: 0.5,
      done: true,
      looks_numeric: "123",
      looks_boolean: "true",
      looks_null: "null",
      multiline: "line one\nline two",
      list: ["a", 1, false],
      nested: { deeper: { x: "y" } },
      empty: "",
    };
    const body = "# Alpha\n\n---\n\ntext with --- inside\n";
    const text = joinFrontmatter(metadata, body);
    expect(text.startsWith("---\n")).toBe(true);
    expect(splitFrontmatter(text)).toEqual({ metadata, body });
  });

  test("split then join gives back equivalent text", () => {
    const text = "---\ntitle: Alpha\ntags:\n  - x\n---\nbody\n";
    const { metadata, body } = splitFrontmatter(text);
    expect(splitFrontmatter(joinFrontmatter(metadata, body))).toEqual({ metadata, body });
  });

  test("a long string value stays on one line", () => {
    const long = "word ".repeat(60).trim();
    const text = joinFrontmatter({ summary: long }, "");
    expect(text.split("\n")).toHaveLength(4);
    expect(splitFrontmatter(text).metadata).toEqual({ summary: long });
  });
});
