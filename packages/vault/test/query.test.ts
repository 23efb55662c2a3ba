import { beforeEach, describe, expect, test } from "bun:test";
import { type NoteQuery, queryNotes } from "../src/core/query.ts";
import { expectVaultError, vaultsPerTest } from "../testing/core.ts";

const t = vaultsPerTest();

const paths = (q: NoteQuery) => queryNotes(t.notes, q).notes.map((n) => n.path);
const sorted = (q: NoteQuery) => paths(q).sort();

describe("search", () => {
  beforeEach(() => {
    t.notes.create({ path: "recipes/bread", content: "Flour, water, salt and yeast." });
    t.notes.create({ path: "recipes/pancakes", content: "Flour, milk and eggs." });
    t.notes.create({ path: "journal/monday", content: "Baked some bread today." });
  });

  test("matches words in the content", () => {
    expect(sorted({ search: "flour" })).toEqual(["recipes/bread", "recipes/pancakes"]);
    expect(sorted({ search: "yeast" })).toEqual(["recipes/bread"]);
  });

  test("matches words in the path", () => {
    expect(sorted({ search: "journal" })).toEqual(["journal/monday"]);
    expect(sorted({ search: "bread" })).toEqual(["journal/monday", "recipes/bread"]);
  });

  test("uses FTS5 syntax: AND, OR, NOT, phrases, prefixes and column filters", () => {
    expect(sorted({ search: "flour AND milk" })).toEqual(["recipes/pancakes"]);
    expect(sorted({ search: "yeast OR eggs" })).toEqual(["recipes/bread", "recipes/pancakes"]);
    expect(sorted({ search: "flour NOT milk" })).toEqual(["recipes/bread"]);
    expect(sorted({ search: '"water, salt"' })).toEqual(["recipes/bread"]);
    expect(sorted({ search: "pan*" })).toEqual(["recipes/pancakes"]);
    expect(sorted({ search: "path:bread" })).toEqual(["recipes/bread"]);
  });

  test("is case- and accent-insensitive", () => {
    t.notes.create({ path: "cafe", content: "Un CAFÉ crème" });
    expect(sorted({ search: "cafe creme" })).toEqual(["cafe"]);
  });

  test("no match is an empty list", () => {
    expect(queryNotes(t.notes, { search: "quinoa" })).toEqual({ notes: [], next_cursor: null });
  });

  test("follows updates, renames and deletes", () => {
    t.notes.update("recipes/bread", { content: "Sourdough starter." });
    expect(sorted({ search: "yeast" })).toEqual([]);
    expect(sorted({ search: "sourdough" })).toEqual(["recipes/bread"]);
    t.notes.update("recipes/bread", { path: "baking/loaf" });
    expect(sorted({ search: "loaf" })).toEqual(["baking/loaf"]);
    expect(sorted({ search: "path:recipes" })).toEqual(["recipes/pancakes"]);
    t.notes.delete("baking/loaf");
    expect(sorted({ search: "sourdough" })).toEqual([]);
  });

  test.each([
    '"unterminated',
    "AND OR",
    "foo:",
    "nosuchcolumn:flour",
    "flour AND (",
    "NOT flour",
    "(",
    ".",
    "*foo",
    "*",
  ])("a malformed query %p is invalid_search, never an empty list", (search) => {
    expectVaultError(() => queryNotes(t.notes, { search }), "invalid", "invalid_search");
  });

  test("an empty, blank or over-long search is invalid_search", () => {
    for (const search of ["", "   ", "a".repeat(501)]) {
      expectVaultError(() => queryNotes(t.notes, { search }), "invalid", "invalid_search");
    }
    expect(queryNotes(t.notes, { search: "a".repeat(500) }).notes).toEqual([]);
  });

  test("defaults to relevance order: the better match first", () => {
    t.notes.create({ path: "many", content: "salt salt salt salt" });
    expect(paths({ search: "salt" })).toEqual(["many", "recipes/bread"]);
    expect(paths({ search: "salt", sort: "relevance" })).toEqual(["many", "recipes/bread"]);
  });

  test("combines with other filters and with other orders", () => {
    expect(paths({ search: "flour", path_prefix: "recipes/p" })).toEqual(["recipes/pancakes"]);
    expect(paths({ search: "flour", sort: "path_asc" })).toEqual(["recipes/bread", "recipes/pancakes"]);
  });
});

describe("tags", () => {
  beforeEach(() => {
    t.notes.create({ path: "a", tags: ["work", "urgent"] });
    t.notes.create({ path: "b", tags: ["work"] });
    t.notes.create({ path: "c", tags: ["home", "urgent"] });
    t.notes.create({ path: "d" });
  });

  test("one tag", () => {
    expect(sorted({ tag: ["work"] })).toEqual(["a", "b"]);
  });

  test("several tags must all be present", () => {
    expect(sorted({ tag: ["work", "urgent"] })).toEqual(["a"]);
    expect(sorted({ tag: ["work", "home"] })).toEqual([]);
  });

  test("tags are normalised before matching", () => {
    expect(sorted({ tag: ["#Work"] })).toEqual(["a", "b"]);
  });

  test("exclude_tag drops notes carrying any of the tags, keeping untagged ones", () => {
    expect(sorted({ exclude_tag: ["urgent"] })).toEqual(["b", "d"]);
    expect(sorted({ exclude_tag: ["work", "home"] })).toEqual(["d"]);
    expect(sorted({ tag: ["urgent"], exclude_tag: ["home"] })).toEqual(["a"]);
  });

  test("an invalid tag is invalid", () => {
    expectVaultError(() => queryNotes(t.notes, { tag: ["no spaces"] }), "invalid", "invalid_tag");
    expectVaultError(() => queryNotes(t.notes, { exclude_tag: ["bad!"] }), "invalid", "invalid_tag");
  });
});

describe("path_prefix", () => {
  beforeEach(() => {
    for (const path of [
      "Projects/Alpha",
      "projects/beta",
      "projectsX/gamma",
      "other/projects",
      "100%/done",
      "100x/done",
      "a_b/c",
      "axb/c",
    ]) {
      t.notes.create({ path });
    }
  });

  test("matches case-insensitively", () => {
    expect(sorted({ path_prefix: "PROJECTS/" })).toEqual(["Projects/Alpha", "projects/beta"]);
    expect(sorted({ path_prefix: "projects" })).toEqual([
      "Projects/Alpha",
      "projects/beta",
      "projectsX/gamma",
    ]);
  });

  test("a leading slash is ignored", () => {
    expect(sorted({ path_prefix: "/projects/" })).toEqual(["Projects/Alpha", "projects/beta"]);
  });

  test("% and _ are literal, not wildcards", () => {
    expect(sorted({ path_prefix: "100%" })).toEqual(["100%/done"]);
    expect(sorted({ path_prefix: "a_b" })).toEqual(["a_b/c"]);
    expect(sorted({ path_prefix: "%" })).toEqual([]);
    expect(sorted({ path_prefix: "_" })).toEqual([]);
  });

  test("a backslash is literal", () => {
    expect(sorted({ path_prefix: "\\" })).toEqual([]);
  });
});

describe("dates", () => {
  beforeEach(() => {
    t.clock.set("2024-01-10T00:00:00.000Z");
    t.notes.create({ path: "jan" });
    t.clock.set("2024-02-10T00:00:00.000Z");
    t.notes.create({ path: "feb" });
    t.clock.set("2024-03-10T00:00:00.000Z");
    t.notes.create({ path: "mar" });
    t.clock.set("2024-04-10T00:00:00.000Z");
    t.notes.update("jan", { append: "edited in April" });
  });

  test("created_after and created_before bound the creation time", () => {
    expect(sorted({ created_after: "2024-02-01" })).toEqual(["feb", "mar"]);
    expect(sorted({ created_before: "2024-02-01" })).toEqual(["jan"]);
    expect(sorted({ created_after: "2024-02-01", created_before: "2024-03-01" })).toEqual(["feb"]);
  });

  test("updated_after and updated_before bound the last change", () => {
    expect(sorted({ updated_after: "2024-03-15T00:00:00Z" })).toEqual(["jan"]);
    expect(sorted({ updated_before: "2024-03-15T00:00:00Z" })).toEqual(["feb", "mar"]);
  });

  test("bounds are exclusive", () => {
    expect(sorted({ created_after: "2024-02-10T00:00:00.000Z" })).toEqual(["mar"]);
    expect(sorted({ created_before: "2024-02-10T00:00:00.000Z" })).toEqual(["jan"]);
  });

  test("a date with an offset is compared as the same instant", () => {
    expect(sorted({ created_after: "2024-02-10T01:00:00+02:00" })).toEqual(["feb", "mar"]);
  });

  test("a date that does not parse is invalid", () => {
    for (const field of ["created_after", "created_before", "updated_after", "updated_before"] as const) {
      expectVaultError(() => queryNotes(t.notes, { [field]: "not a date" }), "invalid", "invalid_query");
    }
    expectVaultError(() => queryNotes(t.notes, { created_after: "2024-13-45" }), "invalid", "invalid_query");
  });
});

describe("metadata", () => {
  beforeEach(() => {
    t.notes.create({ path: "a", metadata: { status: "draft", priority: 1, done: false, score: 2.5 } });
    t.notes.create({ path: "b", metadata: { status: "final", priority: 2, done: true } });
    t.notes.create({ path: "c", metadata: { status: "1", priority: "1", done: "true" } });
    t.notes.create({ path: "d" });
  });

  test("equality on a string", () => {
    expect(sorted({ metadata: { status: "draft" } })).toEqual(["a"]);
  });

  test("equality on a number, not matching the same digits as a string", () => {
    expect(sorted({ metadata: { priority: 1 } })).toEqual(["a"]);
    expect(sorted({ metadata: { priority: "1" } })).toEqual(["c"]);
    expect(sorted({ metadata: { score: 2.5 } })).toEqual(["a"]);
  });

  test("equality on a boolean, not matching the word as a string", () => {
    expect(sorted({ metadata: { done: true } })).toEqual(["b"]);
    expect(sorted({ metadata: { done: false } })).toEqual(["a"]);
    expect(sorted({ metadata: { done: "true" } })).toEqual(["c"]);
  });

  test("several keys must all match", () => {
    expect(sorted({ metadata: { status: "final", priority: 2 } })).toEqual(["b"]);
    expect(sorted({ metadata: { status: "final", priority: 1 } })).toEqual([]);
  });

  test("a missing key matches nothing", () => {
    expect(sorted({ metadata: { owner: "me" } })).toEqual([]);
  });

  test("a key with characters outside letters, digits, _ . - is invalid", () => {
    for (const key of ['a"b', "a b", "$.x", "", "x".repeat(65)]) {
      expectVaultError(() => queryNotes(t.notes, { metadata: { [key]: 1 } }), "invalid", "invalid_query");
    }
  });
});

describe("sort, limit and offset", () => {
  beforeEach(() => {
    // created in this order; "banana" is then edited last, so it is the most recently updated
    for (const path of ["cherry", "Apple", "banana"]) {
      t.notes.create({ path });
      t.clock.advance(1000);
    }
    t.notes.update("cherry", { append: "." });
    t.clock.advance(1000);
    t.notes.update("banana", { append: "." });
  });

  test("each order", () => {
    expect(paths({})).toEqual(["banana", "cherry", "Apple"]);
    expect(paths({ sort: "updated_desc" })).toEqual(["banana", "cherry", "Apple"]);
    expect(paths({ sort: "updated_asc" })).toEqual(["Apple", "cherry", "banana"]);
    expect(paths({ sort: "created_asc" })).toEqual(["cherry", "Apple", "banana"]);
    expect(paths({ sort: "created_desc" })).toEqual(["banana", "Apple", "cherry"]);
    expect(paths({ sort: "path_asc" })).toEqual(["Apple", "banana", "cherry"]);
  });

  test("relevance needs a search", () => {
    expectVaultError(() => queryNotes(t.notes, { sort: "relevance" }), "invalid", "invalid_query");
  });

  test("an unknown sort is invalid", () => {
    expectVaultError(
      () => queryNotes(t.notes, { sort: "random" as NoteQuery["sort"] }),
      "invalid",
      "invalid_query",
    );
  });

  test("limit caps the page and offset skips", () => {
    expect(paths({ sort: "path_asc", limit: 2 })).toEqual(["Apple", "banana"]);
    expect(paths({ sort: "path_asc", limit: 2, offset: 1 })).toEqual(["banana", "cherry"]);
    expect(paths({ sort: "path_asc", offset: 3 })).toEqual([]);
    expect(paths({ sort: "path_asc", limit: 500 })).toHaveLength(3);
  });

  test("limit outside 1–500, or not whole, is invalid", () => {
    for (const limit of [0, -1, 501, 1.5, Number.NaN]) {
      expectVaultError(() => queryNotes(t.notes, { limit }), "invalid", "invalid_query");
    }
  });

  test("a negative or fractional offset is invalid", () => {
    for (const offset of [-1, 0.5])
      expectVaultError(() => queryNotes(t.notes, { offset }), "invalid", "invalid_query");
  });

  test("the default page is 50", () => {
    for (let i = 0; i < 60; i++) t.notes.create({ path: `bulk/${i}` });
    const page = queryNotes(t.notes, {});
    expect(page.notes).toHaveLength(50);
    expect(page.next_cursor).not.toBeNull();
  });
});

describe("cursor pagination", () => {
  const walk = (q: NoteQuery) => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 100; i++) {
      const page = queryNotes(t.notes, { ...q, ...(cursor ? { cursor } : {}) });
      seen.push(...page.notes.map((n) => n.path));
      sizes.push(page.notes.length);
      if (page.next_cursor === null) return { seen, sizes };
      cursor = page.next_cursor;
    }
    throw new Error("the cursor never ended");
  };

  beforeEach(() => {
    // mixed-case paths, created in an order unrelated to path order
    for (let i = 0; i < 25; i++) {
      const n = (i * 7) % 25;
      t.notes.create({ path: `${n % 2 ? "Note" : "note"}-${String(n).padStart(2, "0")}` });
    }
  });

  test.each(["updated_desc", "updated_asc", "created_desc", "created_asc", "path_asc"] as const)(
    "%s: pages of 10 walk all 25 notes in order, with no duplicates or gaps",
    (sort) => {
      const all = paths({ sort, limit: 500 });
      expect(all).toHaveLength(25);
      const { seen, sizes } = walk({ sort, limit: 10 });
      expect(sizes).toEqual([10, 10, 5]);
      expect(seen).toEqual(all);
    },
  );

  test("path_asc sorts case-insensitively across pages", () => {
    const { seen } = walk({ sort: "path_asc", limit: 10 });
    expect(seen.map((p) => p.toLowerCase())).toEqual(seen.map((p) => p.toLowerCase()).sort());
  });

  test("a last page that is exactly full has no next cursor", () => {
    const { sizes } = walk({ sort: "path_asc", limit: 5 });
    expect(sizes).toEqual([5, 5, 5, 5, 5]);
  });

  test("the cursor respects the filters", () => {
    const { seen } = walk({ sort: "path_asc", path_prefix: "Note-", limit: 4 });
    expect(seen).toEqual(paths({ sort: "path_asc", path_prefix: "note-", limit: 500 }));
  });

  test("notes sharing an updated_at are neither skipped nor repeated", () => {
    // a rename rewrites every linking note in one write, giving them the same updated_at
    t.notes.create({ path: "target" });
    for (let i = 0; i < 7; i++)
      t.notes.update(`note-${String(i * 2).padStart(2, "0")}`, { content: "[[target]]" });
    t.notes.update("target", { path: "moved" });
    const newest = queryNotes(t.notes, { sort: "updated_desc", limit: 7 }).notes;
    expect(newest.map((n) => n.content)).toEqual(Array(7).fill("[[moved]]"));
    expect(new Set(newest.map((n) => n.updated_at)).size).toBe(1);
    for (const sort of ["updated_desc", "updated_asc"] as const) {
      const { seen } = walk({ sort, limit: 3 });
      expect(seen).toHaveLength(26);
      expect(new Set(seen).size).toBe(26);
      expect(seen).toEqual(paths({ sort, limit: 500 }));
    }
  });

  test("a cursor that does not decode is invalid_cursor", () => {
    for (const cursor of [
      "garbage!",
      Buffer.from("[1,2]").toString("base64url"),
      Buffer.from('{"a":1}').toString("base64url"),
    ]) {
      expectVaultError(() => queryNotes(t.notes, { cursor }), "invalid", "invalid_cursor");
    }
  });

  test("relevance order has no cursor", () => {
    const page = queryNotes(t.notes, { search: "note", limit: 10 });
    expect(page.notes).toHaveLength(10);
    expect(page.next_cursor).toBeNull();
    const cursor = queryNotes(t.notes, { sort: "path_asc", limit: 1 }).next_cursor!;
    expectVaultError(() => queryNotes(t.notes, { search: "note", cursor }), "invalid", "invalid_query");
  });

  test("relevance pages by offset", () => {
    const all = paths({ search: "note", limit: 500 });
    expect(all).toHaveLength(25);
    const pages = [0, 10, 20].flatMap((offset) => paths({ search: "note", limit: 10, offset }));
    expect(pages).toEqual(all);
  });
});
