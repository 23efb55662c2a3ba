import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NoteStore } from "../src/core/notes.ts";
import { queryNotes } from "../src/core/query.ts";
import { runVault } from "../testing/cli.ts";
import { tempDirs } from "../testing/core.ts";

const temp = tempDirs("vault-cli-");

describe("parachute-vault import / export / token", () => {
  test("import a folder (relative to the cwd), export it, and the files match", async () => {
    const home = temp();
    const work = temp();
    mkdirSync(join(work, "notes", "sub"), { recursive: true });
    writeFileSync(join(work, "notes", "a.md"), "---\ntags:\n  - x\ntitle: A\n---\nsee [[sub/b]]\n");
    writeFileSync(join(work, "notes", "sub", "b.md"), "plain body\n");
    const imported = await runVault(home, ["import", "notes", "--vault", "work"], { cwd: work });
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain("imported 2 notes");
    const exported = await runVault(home, ["export", join(work, "out"), "--vault", "work"]);
    expect(exported.code).toBe(0);
    expect(readFileSync(join(work, "out", "sub", "b.md"), "utf8")).toBe("plain body\n");
    expect(readFileSync(join(work, "out", "a.md"), "utf8")).toBe(
      "---\ntitle: A\ntags:\n  - x\n---\nsee [[sub/b]]\n",
    );
    expect((await runVault(home, ["export", join(work, "o2"), "--vault", "nope"])).code).toBe(5);
    expect((await runVault(home, ["import"])).code).toBe(2);
  });

  test("reindex rebuilds a lost search index from the notes; a bad vault or argument is refused", async () => {
    const home = temp();
    const work = temp();
    mkdirSync(join(work, "notes"));
    for (let i = 0; i < 30; i++)
      writeFileSync(join(work, "notes", `n${i}.md`), `quartz ${"word ".repeat(i)}\n`);
    expect((await runVault(home, ["import", "notes"], { cwd: work })).code).toBe(0);
    const dbPath = join(home, "vault", "default", "vault.db");
    const hits = () => {
      const db = new Database(dbPath);
      try {
        return queryNotes(new NoteStore(db, Date.now), { search: "quartz", limit: 50 }).notes.length;
      } finally {
        db.close();
      }
    };
    expect(hits()).toBe(30);
    const lose = new Database(dbPath);
    lose.exec("DELETE FROM search_postings; DELETE FROM search_dirty");
    lose.close();
    expect(hits()).toBe(0); // the index is lost: the words are gone from ranked search
    const out = await runVault(home, ["reindex"]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^reindexed 30 notes \(\d+ words\) in vault default in [\d.]+ s/);
    expect(hits()).toBe(30);
    expect((await runVault(home, ["reindex", "--vault", "nope"])).code).toBe(5);
    expect((await runVault(home, ["reindex", "extra"])).code).toBe(2);
  });

  test("token create prints a vault token once; list shows it without the secret; revoke works", async () => {
    const home = temp();
    const created = await runVault(home, ["token", "create", "--scope", "write", "--label", "ci"]);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toStartWith("pvt_");
    const list = await runVault(home, ["token", "list"]);
    const rows = JSON.parse(list.stdout) as { id: string; verb: string; label: string }[];
    expect(rows[0]).toMatchObject({ verb: "write", label: "ci" });
    expect(list.stdout).not.toContain(token);
    expect((await runVault(home, ["token", "revoke", rows[0]!.id])).code).toBe(0);
    expect((await runVault(home, ["token", "create", "--scope", "root"])).code).toBe(2);
    expect((await runVault(home, ["token", "revoke", "no-such-id"])).code).toBe(5);
  });
});
