import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "@parachute/module-kit/testing";
import { NoteStore } from "../src/core/notes.ts";
import { queryNotes } from "../src/core/query.ts";
import { runVault, VAULT_MAIN } from "../testing/cli.ts";
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
    // Asking for help after a command is not a usage error.
    const help = await runVault(home, ["import", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("import <dir> [--vault <name>]");
  });

  test("a bulk import defers both search indexes; killed part-way, the next open rebuilds them whole", async () => {
    const home = temp();
    const work = temp();
    mkdirSync(join(work, "notes"));
    const files = 3000; // past the bulk threshold (2,000): FTS5 and the ranked index wait for the end
    for (let i = 0; i < files; i++)
      writeFileSync(join(work, "notes", `n${i}.md`), `kiwi w${i} ${"pear ".repeat(i % 4)}\n`);
    const dbPath = join(home, "vault", "default", "vault.db");
    const notes = () => {
      const db = new Database(dbPath, { readonly: true });
      try {
        return (db.query("SELECT count(*) AS n FROM notes").get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const child = spawn(process.execPath, [VAULT_MAIN, "import", join(work, "notes")], {
      env: { ...process.env, PARACHUTE_HOME: home },
      stdio: "ignore",
    });
    try {
      // Killed once the first batch of 1,000 is committed, before the indexes are built.
      await waitFor(
        () => existsSync(dbPath) && notes() >= 1000 && notes() < files,
        "the first batch",
        60_000,
      );
    } finally {
      child.kill("SIGKILL");
      await new Promise((res) => child.on("close", res));
    }
    const db = new Database(dbPath);
    try {
      const stale = db.query("SELECT ready, fts_ready FROM search_stats").get();
      const count = notes();
      expect(stale).toEqual({ ready: 0, fts_ready: 0 });
      const store = new NoteStore(db, Date.now); // opening rebuilds both
      expect(store.search.stats()).toMatchObject({ docs: count, ready: true, ftsReady: true });
      db.exec("INSERT INTO notes_fts (notes_fts, rank) VALUES ('integrity-check', 1)"); // FTS5 equals the notes
      const everyKiwi = db.query("SELECT count(*) AS n FROM notes_fts WHERE notes_fts MATCH 'kiwi'").get();
      expect(everyKiwi).toEqual({ n: count });
      expect(queryNotes(store, { search: "kiwi", limit: 500 }).notes).toHaveLength(500); // the ranked index
    } finally {
      db.close();
    }
    // Run again to the end: every file is in both indexes.
    const again = await runVault(home, ["import", join(work, "notes"), "--vault", "second"]);
    expect(again.code).toBe(0);
    const second = new Database(join(home, "vault", "second", "vault.db"));
    try {
      expect(second.query("SELECT ready, fts_ready, docs FROM search_stats").get()).toEqual({
        ready: 1,
        fts_ready: 1,
        docs: files,
      });
      second.exec("INSERT INTO notes_fts (notes_fts, rank) VALUES ('integrity-check', 1)");
      expect(second.query("SELECT count(*) AS n FROM notes_fts WHERE notes_fts MATCH 'kiwi'").get()).toEqual({
        n: files,
      });
    } finally {
      second.close();
    }
  }, 120_000);

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
