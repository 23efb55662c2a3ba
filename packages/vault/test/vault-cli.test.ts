import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProgram } from "../../hub/testing/hub-process.ts";

const MAIN = join(import.meta.dir, "..", "src", "main.ts");
const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "vault-cli-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const run = (home: string, args: string[], cwd?: string) =>
  runProgram([process.execPath, MAIN, ...args], { PARACHUTE_HOME: home }, cwd);

describe("parachute-vault import / export / token", () => {
  test("import a folder (relative to the cwd), export it, and the files match", async () => {
    const home = temp();
    const work = temp();
    mkdirSync(join(work, "notes", "sub"), { recursive: true });
    writeFileSync(join(work, "notes", "a.md"), "---\ntags:\n  - x\ntitle: A\n---\nsee [[sub/b]]\n");
    writeFileSync(join(work, "notes", "sub", "b.md"), "plain body\n");
    const imported = await run(home, ["import", "notes", "--vault", "work"], work);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain("imported 2 notes");
    const exported = await run(home, ["export", join(work, "out"), "--vault", "work"]);
    expect(exported.code).toBe(0);
    expect(readFileSync(join(work, "out", "sub", "b.md"), "utf8")).toBe("plain body\n");
    expect(readFileSync(join(work, "out", "a.md"), "utf8")).toBe(
      "---\ntitle: A\ntags:\n  - x\n---\nsee [[sub/b]]\n",
    );
    expect((await run(home, ["export", join(work, "o2"), "--vault", "nope"])).code).toBe(5);
    expect((await run(home, ["import"])).code).toBe(2);
  });

  test("token create prints a vault token once; list shows it without the secret; revoke works", async () => {
    const home = temp();
    const created = await run(home, ["token", "create", "--scope", "write", "--label", "ci"]);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toStartWith("pvt_");
    const list = await run(home, ["token", "list"]);
    const rows = JSON.parse(list.stdout) as { id: string; verb: string; label: string }[];
    expect(rows[0]).toMatchObject({ verb: "write", label: "ci" });
    expect(list.stdout).not.toContain(token);
    expect((await run(home, ["token", "revoke", rows[0]!.id])).code).toBe(0);
    expect((await run(home, ["token", "create", "--scope", "root"])).code).toBe(2);
    expect((await run(home, ["token", "revoke", "no-such-id"])).code).toBe(5);
  });
});
