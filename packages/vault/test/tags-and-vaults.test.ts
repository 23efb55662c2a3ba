import { beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MIGRATIONS } from "../src/core/migrations.ts";
import { deleteTag, listTags, renameTag } from "../src/core/tag-ops.ts";
import { normaliseTag, normaliseTags } from "../src/core/tags.ts";
import { openVaultDb } from "../src/core/vault-db.ts";
import { VaultSet, vaultStats } from "../src/core/vaults.ts";
import { expectVaultError, vaultsPerTest } from "../testing/core.ts";

const t = vaultsPerTest();

describe("tag normalisation", () => {
  test.each([
    ["foo", "foo"],
    ["#Foo", "foo"],
    ["  Foo  ", "foo"],
    ["projects/Alpha", "projects/alpha"],
    ["to-do_list", "to-do_list"],
    ["Café", "café"],
    ["Cafe\u0301", "café"], // typed decomposed, kept composed
    ["İstanbul", "i\u0307stanbul"], // lowercasing leaves a combining dot
    ["2024", "2024"],
  ])("%p becomes %p", (raw, want) => {
    expect(normaliseTag(raw)).toBe(want);
  });

  test.each([
    ["a b"],
    ["a!b"],
    ["a.b"],
    ["a#b"],
    ["##foo"],
    [""],
    ["#"],
    ["   "],
    ["x".repeat(101)],
    ["<script>"],
    ["\u0301abc"], // a mark with nothing to sit on
  ])("refuses %p", (raw) => {
    expectVaultError(() => normaliseTag(raw), "invalid", "invalid_tag");
  });

  test("refuses a tag that is not a string", () => {
    expectVaultError(() => normaliseTag(7), "invalid", "invalid_tag");
  });

  test("a list of tags is normalised and deduplicated; no list is no tags", () => {
    expect(normaliseTags(["A", "#a", "b"])).toEqual(["a", "b"]);
    expect(normaliseTags(undefined)).toEqual([]);
  });

  test("a list that is not a list, or of over 100 tags, is refused", () => {
    expectVaultError(() => normaliseTags("a"), "invalid", "invalid_tag");
    expectVaultError(
      () => normaliseTags(Array.from({ length: 101 }, (_, i) => `t${i}`)),
      "invalid",
      "invalid_tag",
    );
    expect(normaliseTags(Array.from({ length: 100 }, (_, i) => `t${i}`))).toHaveLength(100);
  });
});

describe("tag operations", () => {
  beforeEach(() => {
    t.notes.create({ path: "a", tags: ["work", "urgent"] });
    t.notes.create({ path: "b", tags: ["work", "job"] });
    t.notes.create({ path: "c", tags: ["job"] });
    t.notes.create({ path: "d" });
  });

  test("listTags counts the notes carrying each tag, sorted by tag", () => {
    expect(listTags(t.db)).toEqual([
      { tag: "job", count: 2 },
      { tag: "urgent", count: 1 },
      { tag: "work", count: 2 },
    ]);
  });

  test("listTags on a vault with no tags is empty", () => {
    const other = t.vaults.create("other");
    expect(listTags(other.db)).toEqual([]);
  });

  test("renameTag moves the tag on every note and says how many", () => {
    expect(renameTag(t.db, "#Urgent", "Now")).toBe(1);
    expect(t.notes.get("a").tags).toEqual(["now", "work"]);
    expect(listTags(t.db).map((x) => x.tag)).toEqual(["job", "now", "work"]);
  });

  test("renaming onto an existing tag merges them; a note carrying both keeps one", () => {
    expect(renameTag(t.db, "job", "work")).toBe(2);
    expect(listTags(t.db)).toEqual([
      { tag: "urgent", count: 1 },
      { tag: "work", count: 3 },
    ]);
    expect(t.notes.get("b").tags).toEqual(["work"]);
    expect(t.notes.get("c").tags).toEqual(["work"]);
  });

  test("renaming a tag to itself changes nothing", () => {
    const before = listTags(t.db);
    expect(renameTag(t.db, "work", "#WORK")).toBe(2);
    expect(listTags(t.db)).toEqual(before);
  });

  test("renaming an unknown tag is not_found and changes nothing", () => {
    const before = listTags(t.db);
    expectVaultError(() => renameTag(t.db, "nope", "work"), "not_found");
    expect(listTags(t.db)).toEqual(before);
  });

  test("renaming to an invalid tag is invalid", () => {
    expectVaultError(() => renameTag(t.db, "work", "not valid"), "invalid", "invalid_tag");
    expect(t.notes.get("a").tags).toEqual(["urgent", "work"]);
  });

  test("deleteTag removes the tag from every note, keeps the notes, and says how many", () => {
    expect(deleteTag(t.db, "#Work")).toBe(2);
    expect(t.notes.get("a").tags).toEqual(["urgent"]);
    expect(t.notes.get("b").tags).toEqual(["job"]);
    expect(listTags(t.db).map((x) => x.tag)).toEqual(["job", "urgent"]);
  });

  test("deleting an unknown tag is not_found", () => {
    expectVaultError(() => deleteTag(t.db, "nope"), "not_found");
  });

  test("deleting a note drops its tags from the counts", () => {
    t.notes.delete("b");
    expect(listTags(t.db)).toEqual([
      { tag: "job", count: 1 },
      { tag: "urgent", count: 1 },
      { tag: "work", count: 1 },
    ]);
  });
});

describe("VaultSet", () => {
  test("default exists from the start", () => {
    expect(t.vaults.names()).toEqual(["default"]);
    expect(existsSync(join(t.dir, "default", "vault.db"))).toBe(true);
    expect(t.vault.name).toBe("default");
    expect(t.vault.dir).toBe(join(t.dir, "default"));
  });

  test("create makes a vault that get and names then find", () => {
    const work = t.vaults.create("work-2024");
    expect(work.name).toBe("work-2024");
    expect(t.vaults.get("work-2024")).toBe(work);
    expect(t.vaults.names()).toEqual(["default", "work-2024"]);
  });

  test("creating a vault that exists returns it, keeping its notes", () => {
    const a = t.vaults.create("work");
    a.notes.create({ path: "kept" });
    expect(t.vaults.create("work")).toBe(a);
    expect(t.vaults.create("work").notes.get("kept").path).toBe("kept");
  });

  test("vaults keep separate notes", () => {
    const work = t.vaults.create("work");
    work.notes.create({ path: "only-in-work" });
    expectVaultError(() => t.notes.get("only-in-work"), "not_found");
    expect(t.notes.create({ path: "only-in-work" }).path).toBe("only-in-work");
  });

  test("vaults and their notes survive a restart", () => {
    t.vaults.create("work").notes.create({ path: "durable", content: "still here" });
    t.vaults.close();
    const again = new VaultSet(t.dir, t.clock.now);
    try {
      expect(again.names()).toEqual(["default", "work"]);
      expect(again.get("work").notes.get("durable").content).toBe("still here");
    } finally {
      again.close();
    }
  });

  test.each([["../x"], ["A"], [""], ["-x"], ["a/b"], ["a_b"], ["a.b"], ["x".repeat(41)], ["default\u0000"]])(
    "refuses the name %p",
    (name) => {
      expectVaultError(() => t.vaults.create(name), "invalid", "invalid_vault");
      expectVaultError(() => t.vaults.get(name), "invalid", "invalid_vault");
    },
  );

  test("a 40-character name is allowed", () => {
    const name = `a${"b".repeat(39)}`;
    expect(t.vaults.create(name).name).toBe(name);
  });

  test("an unknown vault is not_found, and asking does not create it", () => {
    expectVaultError(() => t.vaults.get("nope"), "not_found", "no_vault");
    expect(existsSync(join(t.dir, "nope"))).toBe(false);
    expect(t.vaults.names()).toEqual(["default"]);
  });

  test("names lists only validly named folders holding a vault database", () => {
    mkdirSync(join(t.dir, "empty-folder"));
    mkdirSync(join(t.dir, "Bad_Name"));
    writeFileSync(join(t.dir, "Bad_Name", "vault.db"), "");
    writeFileSync(join(t.dir, "stray-file"), "");
    expect(t.vaults.names()).toEqual(["default"]);
  });
});

describe("vaultStats", () => {
  test("counts notes, distinct tags, links and unresolved links", () => {
    expect(vaultStats(t.vault)).toEqual({
      name: "default",
      notes: 0,
      tags: 0,
      links: 0,
      unresolved_links: 0,
    });
    t.notes.create({ path: "a", tags: ["x", "y"], content: "[[b]] [[missing]] [[b#h]]" });
    t.notes.create({ path: "b", tags: ["x"], content: "![[a]]" });
    expect(vaultStats(t.vault)).toEqual({
      name: "default",
      notes: 2,
      tags: 2,
      links: 4,
      unresolved_links: 1,
    });
    t.notes.delete("b");
    expect(vaultStats(t.vault)).toEqual({
      name: "default",
      notes: 1,
      tags: 2,
      links: 3,
      unresolved_links: 3,
    });
  });
});

describe("the vault database", () => {
  test("the file is readable by its owner only, in a folder only its owner can enter", () => {
    const db = join(t.dir, "default", "vault.db");
    expect(statSync(db).mode & 0o777).toBe(0o600);
    for (const f of [`${db}-wal`, `${db}-shm`])
      if (existsSync(f)) expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(statSync(join(t.dir, "default")).mode & 0o777).toBe(0o700);
  });

  test("runs in WAL mode with foreign keys on, at the latest schema", () => {
    expect(t.db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(t.db.query("PRAGMA foreign_keys").get()).toEqual({ foreign_keys: 1 });
    expect(t.db.query("PRAGMA user_version").get()).toEqual({ user_version: MIGRATIONS.length });
  });

  test("reopening runs no migration twice and keeps the data", () => {
    t.notes.create({ path: "kept" });
    const path = join(t.dir, "default", "vault.db");
    const db = openVaultDb(path);
    try {
      expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: MIGRATIONS.length });
      expect(db.query("SELECT path FROM notes").all()).toEqual([{ path: "kept" }]);
    } finally {
      db.close();
    }
  });

  test("a database from a newer version is refused, not downgraded", () => {
    const path = join(t.dir, "newer", "vault.db");
    const db = openVaultDb(path);
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openVaultDb(path)).toThrow(/newer/);
  });
});
