import { beforeEach, describe, expect, test } from "bun:test";
import type { VaultError } from "../src/core/errors.ts";
import { MAX_CONTENT, type NewNote, type Note } from "../src/core/notes.ts";
import { VaultSet } from "../src/core/vaults.ts";
import { expectVaultError, vaultsPerTest } from "../testing/core.ts";

const t = vaultsPerTest();

const count = () => (t.db.query("SELECT count(*) AS n FROM notes").get() as { n: number }).n;
const linkIds = (ref: string) => t.notes.links(ref).map((l) => l.id);
const backlinkPaths = (ref: string) => t.notes.backlinks(ref).map((b) => b.path);

describe("create and get", () => {
  test("a new note has an id, its normalised path, content, metadata, sorted normalised tags and timestamps", () => {
    t.clock.set("2024-03-01T10:00:00.000Z");
    const note = t.notes.create({
      path: "/Projects//Alpha.md",
      content: "# Alpha",
      metadata: { status: "draft", priority: 2 },
      tags: ["Work", "#alpha", "work"],
    });
    expect(note).toEqual({
      id: expect.any(String),
      path: "Projects/Alpha",
      content: "# Alpha",
      metadata: { status: "draft", priority: 2 },
      tags: ["alpha", "work"],
      created_at: "2024-03-01T10:00:00.000Z",
      updated_at: "2024-03-01T10:00:00.000Z",
    });
  });

  test("content, metadata and tags default to empty", () => {
    const note = t.notes.create({ path: "empty" });
    expect(note.content).toBe("");
    expect(note.metadata).toEqual({});
    expect(note.tags).toEqual([]);
  });

  test("what create answers is what get reads back, whatever the tags and metadata", () => {
    const inputs: NewNote[] = [
      { path: "one", tags: ["solo"], metadata: { skip: undefined, when: "2024" } as Record<string, unknown> },
      { path: "many", tags: ["zeta", "Alpha", "émile", "b2"], metadata: { n: [1, { a: null }] } },
      { path: "bare" },
      { path: "lone/d\ud800", content: "x\ud800y \udc00" },
    ];
    for (const input of inputs) {
      const made = t.notes.create(input);
      expect(made).toEqual(t.notes.get(made.id));
    }
  });

  test("ids are unique", () => {
    const a = t.notes.create({ path: "a" });
    const b = t.notes.create({ path: "b" });
    expect(a.id).not.toBe(b.id);
  });

  test("get finds a note by id and by path, case-insensitively, with or without .md or slashes", () => {
    const note = t.notes.create({ path: "Projects/Alpha", content: "x" });
    for (const ref of [
      note.id,
      "Projects/Alpha",
      "projects/alpha",
      "PROJECTS/ALPHA",
      "projects/alpha.md",
      "/projects//Alpha/",
    ]) {
      expect(t.notes.get(ref)).toEqual(note);
    }
  });

  test("an unknown id or path is not_found", () => {
    t.notes.create({ path: "alpha" });
    expectVaultError(() => t.notes.get("beta"), "not_found");
    expectVaultError(() => t.notes.get("01900000-0000-7000-8000-000000000000"), "not_found");
  });

  test("a ref that is not a valid path is not_found, and an empty ref is invalid", () => {
    expectVaultError(() => t.notes.get("../etc/passwd"), "not_found");
    expectVaultError(() => t.notes.get(""), "invalid");
  });

  test("a path already taken, in any case or spelling, is a conflict", () => {
    t.notes.create({ path: "Projects/Alpha", content: "first" });
    for (const path of ["Projects/Alpha", "projects/alpha", "PROJECTS/ALPHA.md", "/projects/alpha/"]) {
      expectVaultError(() => t.notes.create({ path, content: "second" }), "conflict", "path_taken");
    }
    expect(count()).toBe(1);
    expect(t.notes.get("projects/alpha").content).toBe("first");
  });

  test("bad input is refused as invalid and nothing is stored", () => {
    expectVaultError(() => t.notes.create({ path: "a/../b" }), "invalid", "invalid_path");
    expectVaultError(() => t.notes.create({ path: "ok", tags: ["not valid!"] }), "invalid", "invalid_tag");
    expectVaultError(
      () => t.notes.create({ path: "ok", metadata: [] as unknown as Record<string, unknown> }),
      "invalid",
      "invalid_metadata",
    );
    expectVaultError(
      () => t.notes.create({ path: "ok", content: 5 as unknown as string }),
      "invalid",
      "invalid_content",
    );
    expect(count()).toBe(0);
  });

  test("content of exactly the limit is stored; one character more is too_large", () => {
    const max = "a".repeat(MAX_CONTENT);
    expect(t.notes.create({ path: "max", content: max }).content.length).toBe(MAX_CONTENT);
    expectVaultError(
      () => t.notes.create({ path: "over", content: `${max}a` }),
      "too_large",
      "content_too_large",
    );
    expect(() => t.notes.get("over")).toThrow();
  });
});

describe("createMany", () => {
  test("creates every note", () => {
    const made = t.notes.createMany([
      { path: "a" },
      { path: "b", content: "[[a]]" },
      { path: "c", tags: ["x"] },
    ]);
    expect(made.map((n) => n.path)).toEqual(["a", "b", "c"]);
    expect(count()).toBe(3);
    expect(linkIds("b")).toEqual([made[0]!.id]);
  });

  test("a later note in the batch resolves a link from an earlier one", () => {
    const [first, second] = t.notes.createMany([
      { path: "first", content: "[[second]]" },
      { path: "second" },
    ]);
    expect(linkIds(first!.id)).toEqual([second!.id]);
  });

  const badNotes: [string, NewNote, VaultError["kind"]][] = [
    ["an invalid path", { path: "../escape" }, "invalid"],
    ["a path taken by an existing note", { path: "EXISTING" }, "conflict"],
    ["a path repeated within the batch", { path: "One" }, "conflict"],
    ["content over the limit", { path: "big", content: "a".repeat(MAX_CONTENT + 1) }, "too_large"],
    ["an invalid tag", { path: "tagged", tags: ["a b"] }, "invalid"],
  ];
  test.each(badNotes)("one bad note (%s) means none are created", (_why, bad, kind) => {
    t.notes.create({ path: "existing" });
    expectVaultError(
      () => t.notes.createMany([{ path: "one", content: "[[two]]" }, { path: "two", tags: ["t"] }, bad]),
      kind,
    );
    expect(count()).toBe(1);
    expectVaultError(() => t.notes.get("one"), "not_found");
    expect(t.db.query("SELECT count(*) AS n FROM tags").get()).toEqual({ n: 0 });
    expect(t.db.query("SELECT count(*) AS n FROM links").get()).toEqual({ n: 0 });
  });
});

describe("update", () => {
  let note: Note;
  beforeEach(() => {
    note = t.notes.create({
      path: "doc",
      content: "one two three",
      metadata: { a: 1, b: "x" },
      tags: ["keep", "drop"],
    });
  });

  test("replaces the content", () => {
    expect(t.notes.update(note.id, { content: "new" }).content).toBe("new");
    expect(t.notes.get("doc").content).toBe("new");
  });

  test("appends and prepends", () => {
    expect(t.notes.update("doc", { append: " four" }).content).toBe("one two three four");
    expect(t.notes.update("doc", { prepend: "zero " }).content).toBe("zero one two three four");
  });

  test("applies replace, then edit, then prepend and append, in one write", () => {
    const out = t.notes.update("doc", {
      content: "a b c",
      edit: { old: "b", new: "B" },
      prepend: "<",
      append: ">",
    });
    expect(out.content).toBe("<a B c>");
  });

  test("edit replaces the one occurrence of the old text", () => {
    expect(t.notes.update("doc", { edit: { old: "two", new: "2" } }).content).toBe("one 2 three");
  });

  test("edit new text is inserted literally", () => {
    expect(t.notes.update("doc", { edit: { old: "two", new: "$& $1 $$" } }).content).toBe(
      "one $& $1 $$ three",
    );
  });

  test("edit with old text that is not there is unprocessable and changes nothing", () => {
    expectVaultError(
      () => t.notes.update("doc", { edit: { old: "four", new: "4" } }),
      "unprocessable",
      "edit_not_found",
    );
    expect(t.notes.get("doc")).toEqual(note);
  });

  test("edit with old text that appears twice is an ambiguous conflict and changes nothing", () => {
    t.notes.update("doc", { content: "la la" });
    const before = t.notes.get("doc");
    expectVaultError(
      () => t.notes.update("doc", { edit: { old: "la", new: "da" } }),
      "conflict",
      "edit_ambiguous",
    );
    expect(t.notes.get("doc")).toEqual(before);
  });

  test("overlapping occurrences are ambiguous too", () => {
    t.notes.update("doc", { content: "aaa" });
    expectVaultError(
      () => t.notes.update("doc", { edit: { old: "aa", new: "b" } }),
      "conflict",
      "edit_ambiguous",
    );
  });

  test("edit with empty old text is invalid", () => {
    expectVaultError(() => t.notes.update("doc", { edit: { old: "", new: "x" } }), "invalid", "invalid_edit");
  });

  test("metadata merges: new keys are added, given keys replaced, null deletes a key", () => {
    const out = t.notes.update("doc", { metadata: { b: null, c: true, a: 2 } });
    expect(out.metadata).toEqual({ a: 2, c: true });
    expect(t.notes.get("doc").metadata).toEqual({ a: 2, c: true });
  });

  test("metadata that is not an object is invalid", () => {
    expectVaultError(
      () => t.notes.update("doc", { metadata: "x" as unknown as Record<string, unknown> }),
      "invalid",
      "invalid_metadata",
    );
  });

  test("tags are added and removed, normalised, without duplicates", () => {
    const out = t.notes.update("doc", { tags_add: ["#New", "keep", "new"], tags_remove: ["DROP", "absent"] });
    expect(out.tags).toEqual(["keep", "new"]);
    expect(t.notes.get("doc").tags).toEqual(["keep", "new"]);
  });

  test("an invalid tag refuses the whole update", () => {
    expectVaultError(
      () => t.notes.update("doc", { content: "changed", tags_add: ["bad tag"] }),
      "invalid",
      "invalid_tag",
    );
    expect(t.notes.get("doc")).toEqual(note);
  });

  test("a stale if_updated_at is a conflict carrying both timestamps, and changes nothing", () => {
    const stale = note.updated_at;
    const current = t.notes.update("doc", { append: "!" }).updated_at;
    const err = expectVaultError(
      () => t.notes.update("doc", { content: "mine", if_updated_at: stale }),
      "conflict",
      "conflict",
    );
    expect(err.details).toEqual({ current_updated_at: current, your_updated_at: stale });
    expect(t.notes.get("doc").content).toBe("one two three!");
  });

  test("a matching if_updated_at lets the update through", () => {
    const out = t.notes.update("doc", { content: "mine", if_updated_at: note.updated_at });
    expect(out.content).toBe("mine");
    expect(out.updated_at > note.updated_at).toBe(true);
  });

  test("updated_at moves forward and created_at stays", () => {
    t.clock.advance(60_000);
    const out = t.notes.update("doc", { append: "." });
    expect(out.created_at).toBe(note.created_at);
    expect(out.updated_at).toBe(new Date(t.clock.ms).toISOString());
  });

  test("updated_at strictly increases even when the clock stands still or goes back", () => {
    const stamps = [note.updated_at];
    for (let i = 0; i < 3; i++) stamps.push(t.notes.update("doc", { append: "." }).updated_at);
    t.clock.advance(-3_600_000);
    for (let i = 0; i < 3; i++) stamps.push(t.notes.update("doc", { append: "." }).updated_at);
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]! > stamps[i - 1]!).toBe(true);
    expect(new Set(stamps).size).toBe(stamps.length);
  });

  test("updated_at keeps increasing across a restart with a clock that went back", () => {
    const last = t.notes.update("doc", { append: "." }).updated_at;
    t.vaults.close();
    t.clock.advance(-86_400_000);
    const reopened = new VaultSet(t.dir, t.clock.now);
    try {
      const next = reopened.get("default").notes.update("doc", { append: "." }).updated_at;
      expect(next > last).toBe(true);
    } finally {
      reopened.close();
    }
  });

  test("content pushed over the limit by append is too_large and changes nothing", () => {
    t.notes.update("doc", { content: "a".repeat(MAX_CONTENT - 1) });
    const before = t.notes.get("doc");
    expectVaultError(() => t.notes.update("doc", { append: "bc" }), "too_large");
    expectVaultError(() => t.notes.update("doc", { content: "a".repeat(MAX_CONTENT + 1) }), "too_large");
    expect(t.notes.get("doc")).toEqual(before);
  });

  test("an unknown note is not_found", () => {
    expectVaultError(() => t.notes.update("nope", { content: "x" }), "not_found");
  });

  test("renaming to a free path moves the note; the old path no longer finds it", () => {
    const out = t.notes.update("doc", { path: "Archive/Doc.md" });
    expect(out.path).toBe("Archive/Doc");
    expect(out.id).toBe(note.id);
    expect(t.notes.get("archive/doc").id).toBe(note.id);
    expectVaultError(() => t.notes.get("doc"), "not_found");
  });

  test("renaming to a path another note holds is a conflict and changes nothing", () => {
    t.notes.create({ path: "Other" });
    expectVaultError(
      () => t.notes.update("doc", { path: "other", content: "changed" }),
      "conflict",
      "path_taken",
    );
    expect(t.notes.get("doc")).toEqual(note);
  });

  test("renaming to the same path in another case is allowed", () => {
    expect(t.notes.update("doc", { path: "DOC" }).path).toBe("DOC");
  });

  test("renaming to an invalid path is invalid", () => {
    expectVaultError(() => t.notes.update("doc", { path: "../up" }), "invalid", "invalid_path");
  });
});

describe("delete", () => {
  test("removes the note, its tags and its outgoing links", () => {
    t.notes.create({ path: "target" });
    const doomed = t.notes.create({ path: "doomed", content: "[[target]]", tags: ["x"] });
    t.notes.delete("Doomed.md");
    expectVaultError(() => t.notes.get(doomed.id), "not_found");
    expect(t.db.query("SELECT count(*) AS n FROM tags").get()).toEqual({ n: 0 });
    expect(t.notes.backlinks("target")).toEqual([]);
  });

  test("an unknown note is not_found", () => {
    expectVaultError(() => t.notes.delete("nope"), "not_found");
  });

  test("the path is free again afterwards", () => {
    t.notes.create({ path: "again" });
    t.notes.delete("again");
    expect(t.notes.create({ path: "AGAIN" }).path).toBe("AGAIN");
  });
});

describe("links", () => {
  test("a link to a note that does not exist yet is unresolved, then resolved when it is created", () => {
    const src = t.notes.create({ path: "src", content: "see [[Projects/Alpha#Goals|goals]]" });
    expect(t.notes.links(src.id)).toEqual([
      { target: "projects/alpha", id: null, kind: "wikilink", heading: "Goals", alias: "goals" },
    ]);
    const alpha = t.notes.create({ path: "projects/alpha" });
    expect(linkIds(src.id)).toEqual([alpha.id]);
    expect(t.notes.backlinks(alpha.id)).toEqual([{ id: src.id, path: "src", kind: "wikilink" }]);
  });

  test("a link to an existing note resolves at once, by exact path (any case, with .md)", () => {
    const alpha = t.notes.create({ path: "Projects/Alpha" });
    t.notes.create({ path: "src", content: "[[projects/ALPHA.md]]" });
    expect(linkIds("src")).toEqual([alpha.id]);
  });

  test("a bare name resolves to the one note with that last segment", () => {
    const alpha = t.notes.create({ path: "projects/alpha" });
    t.notes.create({ path: "src", content: "[[Alpha]]" });
    expect(linkIds("src")).toEqual([alpha.id]);
    expect(backlinkPaths("projects/alpha")).toEqual(["src"]);
  });

  test("a dangling bare name resolves when a note with that last segment appears", () => {
    t.notes.create({ path: "src", content: "[[alpha]]" });
    const alpha = t.notes.create({ path: "deep/folder/alpha" });
    expect(linkIds("src")).toEqual([alpha.id]);
  });

  test("a bare name shared by two notes stays unresolved", () => {
    t.notes.create({ path: "a/alpha" });
    t.notes.create({ path: "b/alpha" });
    t.notes.create({ path: "src", content: "[[alpha]]" });
    expect(linkIds("src")).toEqual([null]);
  });

  test("the exact path wins over a note with the same last segment", () => {
    t.notes.create({ path: "deep/alpha" });
    const top = t.notes.create({ path: "alpha" });
    t.notes.create({ path: "src", content: "[[alpha]]" });
    expect(linkIds("src")).toEqual([top.id]);
  });

  test("a name with LIKE wildcards matches only literally", () => {
    t.notes.create({ path: "x/a_c" });
    t.notes.create({ path: "src", content: "[[abc]] [[a%]]" });
    expect(linkIds("src")).toEqual([null, null]);
  });

  test("embeds are links of kind embed; backlinks list every linking note once per kind, by path", () => {
    const target = t.notes.create({ path: "target" });
    t.notes.create({ path: "b-note", content: "[[target]] and again [[target#h]]" });
    t.notes.create({ path: "a-note", content: "![[target]]" });
    expect(t.notes.backlinks(target.id).map((b) => [b.path, b.kind])).toEqual([
      ["a-note", "embed"],
      ["b-note", "wikilink"],
    ]);
  });

  test("editing a note's content keeps its links in sync", () => {
    t.notes.create({ path: "one" });
    const two = t.notes.create({ path: "two" });
    t.notes.create({ path: "src", content: "[[one]]" });
    t.notes.update("src", { content: "[[two]]" });
    expect(t.notes.backlinks("one")).toEqual([]);
    expect(linkIds("src")).toEqual([two.id]);
    t.notes.update("src", { edit: { old: "[[two]]", new: "no links" } });
    expect(t.notes.links("src")).toEqual([]);
  });

  test("links inside code are not links", () => {
    t.notes.create({ path: "target" });
    t.notes.create({ path: "src", content: "```\n[[target]]\n```\n~~~\n[[target]]\n~~~\n`[[target]]`" });
    expect(t.notes.links("src")).toEqual([]);
    expect(t.notes.backlinks("target")).toEqual([]);
  });

  test("links whose target is not a valid path are ignored", () => {
    t.notes.create({ path: "src", content: "[[../../etc/passwd]] [[ok]]" });
    expect(t.notes.links("src").map((l) => l.target)).toEqual(["ok"]);
  });

  test("deleting the target leaves the link unresolved; re-creating it resolves the link again", () => {
    const first = t.notes.create({ path: "target" });
    t.notes.create({ path: "src", content: "[[target]]" });
    expect(linkIds("src")).toEqual([first.id]);
    t.notes.delete("target");
    expect(t.notes.links("src")).toEqual([
      { target: "target", id: null, kind: "wikilink", heading: null, alias: null },
    ]);
    const second = t.notes.create({ path: "Target" });
    expect(linkIds("src")).toEqual([second.id]);
    expect(backlinkPaths(second.id)).toEqual(["src"]);
  });

  test("renaming rewrites [[old path]] and [[Old Basename|alias]] in linking notes and keeps backlinks", () => {
    const target = t.notes.create({ path: "Projects/Alpha" });
    t.notes.create({ path: "by-path", content: "see [[projects/alpha#Goals]] here" });
    t.notes.create({ path: "by-name", content: "see [[Alpha|the plan]] and ![[ALPHA.md]]" });
    t.notes.create({ path: "in-code", content: "`[[Projects/Alpha]]` [[projects/alpha]]" });
    t.notes.update(target.id, { path: "Archive/Beta" });
    expect(t.notes.get("by-path").content).toBe("see [[Archive/Beta#Goals]] here");
    expect(t.notes.get("by-name").content).toBe("see [[Archive/Beta|the plan]] and ![[Archive/Beta]]");
    expect(t.notes.get("in-code").content).toBe("`[[Projects/Alpha]]` [[Archive/Beta]]");
    expect(
      t.notes
        .backlinks(target.id)
        .map((b) => `${b.path} ${b.kind}`)
        .sort(),
    ).toEqual(["by-name embed", "by-name wikilink", "by-path wikilink", "in-code wikilink"]);
    expect(linkIds("by-name")).toEqual([target.id, target.id]);
  });

  test("a rename bumps the updated_at of the notes it rewrote, not of others", () => {
    t.notes.create({ path: "target" });
    const linking = t.notes.create({ path: "linking", content: "[[target]]" });
    const bystander = t.notes.create({ path: "bystander", content: "[[elsewhere]]" });
    t.notes.update("target", { path: "moved" });
    expect(t.notes.get("linking").updated_at > linking.updated_at).toBe(true);
    expect(t.notes.get("bystander")).toEqual(bystander);
  });

  test("after a rename, a link still written to the old path is unresolved", () => {
    t.notes.create({ path: "old" });
    t.notes.update("old", { path: "new" });
    t.notes.create({ path: "late", content: "[[old]]" });
    expect(linkIds("late")).toEqual([null]);
  });

  test("renaming keeps the links pointing at the renamed note when another note has the new last segment", () => {
    const foo = t.notes.create({ path: "foo" });
    t.notes.create({ path: "elsewhere/bar" });
    t.notes.create({ path: "src", content: "[[foo]]" });
    t.notes.update(foo.id, { path: "bar" });
    expect(t.notes.get("src").content).toBe("[[bar]]");
    expect(linkIds("src")).toEqual([foo.id]);
    expect(backlinkPaths(foo.id)).toEqual(["src"]);
  });

  test("renaming leaves alone a bare-name link in the same note that points at a different note", () => {
    const top = t.notes.create({ path: "foo" });
    const nested = t.notes.create({ path: "x/foo" });
    t.notes.create({ path: "src", content: "[[x/foo]] and [[foo]]" });
    expect(linkIds("src")).toEqual([nested.id, top.id]);
    t.notes.update(nested.id, { path: "y/renamed" });
    expect(t.notes.get("src").content).toBe("[[y/renamed]] and [[foo]]");
    expect(linkIds("src")).toEqual([nested.id, top.id]);
  });
});

describe("a link resolves the same whichever was written first", () => {
  test("a bare name shared by two notes stays unresolved when a third note with that name appears", () => {
    t.notes.create({ path: "a/bar" });
    t.notes.create({ path: "b/bar" });
    t.notes.create({ path: "src", content: "[[bar]]" });
    t.notes.create({ path: "c/bar" });
    expect(linkIds("src")).toEqual([null]);
  });

  test("a bare-name link moves to the exact path when a note appears there", () => {
    t.notes.create({ path: "x/foo" });
    t.notes.create({ path: "early", content: "[[foo]]" });
    const top = t.notes.create({ path: "foo" });
    t.notes.create({ path: "late", content: "[[foo]]" });
    expect(linkIds("late")).toEqual([top.id]);
    expect(linkIds("early")).toEqual([top.id]);
  });
});
