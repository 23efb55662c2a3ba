import { describe, expect, test } from "bun:test";
import { parseWikiLinks, rewriteWikiLinks } from "../src/core/wikilinks.ts";

const link = (target: string, extra: { heading?: string; alias?: string; embed?: boolean } = {}) => ({
  target,
  heading: extra.heading ?? null,
  alias: extra.alias ?? null,
  embed: extra.embed ?? false,
});

const targets = (md: string) => parseWikiLinks(md).map((l) => l.target);

describe("parseWikiLinks", () => {
  test("a plain link", () => {
    expect(parseWikiLinks("see [[Projects/Alpha]] today")).toEqual([link("Projects/Alpha")]);
  });

  test("an alias", () => {
    expect(parseWikiLinks("[[alpha|the alpha note]]")).toEqual([link("alpha", { alias: "the alpha note" })]);
  });

  test("a heading", () => {
    expect(parseWikiLinks("[[alpha#Goals]]")).toEqual([link("alpha", { heading: "Goals" })]);
  });

  test("a heading and an alias", () => {
    expect(parseWikiLinks("[[alpha#Goals|our goals]]")).toEqual([
      link("alpha", { heading: "Goals", alias: "our goals" }),
    ]);
  });

  test("an embed", () => {
    expect(parseWikiLinks("![[diagram.png]] and ![[alpha#Goals|g]]")).toEqual([
      link("diagram.png", { embed: true }),
      link("alpha", { heading: "Goals", alias: "g", embed: true }),
    ]);
  });

  test("several on one line, in order", () => {
    expect(targets("[[one]], [[two|2]] and ![[three]] then [[one]]")).toEqual(["one", "two", "three", "one"]);
  });

  test("trims spaces around the target", () => {
    expect(parseWikiLinks("[[  alpha  ]]")).toEqual([link("alpha")]);
  });

  test("no links gives an empty list, and half-made links are not links", () => {
    expect(parseWikiLinks("plain text, [single] brackets, [[unclosed, [[]] and [[#only-heading]]")).toEqual(
      [],
    );
  });

  test("a link does not span lines", () => {
    expect(parseWikiLinks("[[alp\nha]]")).toEqual([]);
  });

  test("none inside a ``` fenced block", () => {
    const md = '[[before]]\n```js\nconst x = "[[in-code]]";\n```\n[[after]]';
    expect(targets(md)).toEqual(["before", "after"]);
  });

  test("none inside a ~~~ fenced block", () => {
    const md = "[[before]]\n~~~\n[[in-code]]\n~~~\n[[after]]";
    expect(targets(md)).toEqual(["before", "after"]);
  });

  test("a ``` block is not closed by ~~~", () => {
    const md = "```\n[[a]]\n~~~\n[[b]]\n```\n[[c]]";
    expect(targets(md)).toEqual(["c"]);
  });

  test("an unclosed fence runs to the end of the note", () => {
    expect(targets("[[before]]\n```\n[[a]]\n[[b]]")).toEqual(["before"]);
  });

  test("a fence of four backticks is closed only by four or more", () => {
    // CommonMark: the closing fence must be at least as long as the opening one.
    const md = "````\n[[a]]\n```\n[[b]]\n````\n[[c]]";
    expect(targets(md)).toEqual(["c"]);
  });

  test("a fence indented by up to three spaces is still a fence", () => {
    const md = "- item\n   ```\n   [[in-code]]\n   ```\n[[after]]";
    expect(targets(md)).toEqual(["after"]);
  });

  test("none inside inline code", () => {
    expect(targets("use `[[not-a-link]]` for [[a-link]]")).toEqual(["a-link"]);
  });

  test("several code spans on a line each hide their links", () => {
    expect(targets("`[[x]]` [[y]] `[[z]]` [[w]]")).toEqual(["y", "w"]);
  });
});

describe("rewriteWikiLinks", () => {
  test("rewrites a plain link", () => {
    expect(rewriteWikiLinks("see [[old]] now", "old", "dir/new")).toBe("see [[dir/new]] now");
  });

  test("keeps the heading, the alias and the embed mark", () => {
    const md = "[[old#Goals]] [[old|shown]] [[old#Goals|shown]] ![[old]] ![[old#h|a]]";
    expect(rewriteWikiLinks(md, "old", "new")).toBe(
      "[[new#Goals]] [[new|shown]] [[new#Goals|shown]] ![[new]] ![[new#h|a]]",
    );
  });

  test("matches the target case-insensitively", () => {
    expect(rewriteWikiLinks("[[Projects/OLD]] [[projects/old]]", "projects/old", "projects/new")).toBe(
      "[[projects/new]] [[projects/new]]",
    );
  });

  test("matches a target written with .md", () => {
    expect(rewriteWikiLinks("[[old.md]] [[old.MD#h]]", "old", "new")).toBe("[[new]] [[new#h]]");
  });

  test("leaves links inside fenced and inline code alone", () => {
    const md = "[[old]]\n```\n[[old]]\n```\n~~~\n[[old]]\n~~~\n`[[old]]` [[old]]";
    expect(rewriteWikiLinks(md, "old", "new")).toBe(
      "[[new]]\n```\n[[old]]\n```\n~~~\n[[old]]\n~~~\n`[[old]]` [[new]]",
    );
  });

  test("leaves other links alone, including ones that only start or end like the target", () => {
    const md = "[[old]] [[older]] [[bold]] [[dir/old]] [[other|old]] [[x#old]]";
    expect(rewriteWikiLinks(md, "old", "new")).toBe(
      "[[new]] [[older]] [[bold]] [[dir/old]] [[other|old]] [[x#old]]",
    );
  });

  test("leaves text outside links untouched, byte for byte", () => {
    const md = "old text, [old], [[old]] — ünïcode\r\nend old";
    expect(rewriteWikiLinks(md, "old", "new")).toBe("old text, [old], [[new]] — ünïcode\r\nend old");
  });

  test("returns the same text when nothing links to the target", () => {
    const md = "nothing [[here]]";
    expect(rewriteWikiLinks(md, "old", "new")).toBe(md);
  });

  test("writes the new path literally, even with $ in it", () => {
    // String.prototype.replace treats $$, $& and $' in a replacement string as patterns.
    expect(rewriteWikiLinks("[[old]]", "old", "price $$5")).toBe("[[price $$5]]");
    expect(rewriteWikiLinks("[[old|a]]", "old", "a$&b")).toBe("[[a$&b|a]]");
  });
});
