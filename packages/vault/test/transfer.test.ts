import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { exportFolder, importFolder, noteFromMarkdown, noteToMarkdown } from "../src/core/transfer.ts";
import { VaultSet } from "../src/core/vaults.ts";
import { tempDirs } from "../testing/core.ts";

const temp = tempDirs("vault-transfer-");

/** Every file below `dir` with its bytes, keyed by relative path. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full, "base64");
    }
  };
  walk(dir);
  return out;
}

function generatedCorpus(dir: string, n: number): void {
  for (let i = 0; i < n; i++) {
    const folder = join(dir, `area-${i % 7}`, i % 3 ? "sub" : "");
    mkdirSync(folder, { recursive: true });
    const links = `See [[area-${(i + 1) % 7}/note-${i + 1}]] and [[note-${i + 2}|alias]] and ![[note-${i + 3}#part]].`;
    const code = i % 5 === 0 ? "\n```\n[[not a link]]\n```\n" : "";
    const front =
      i % 4 === 0
        ? ""
        : `---\ntitle: Note ${i}\nrating: ${i % 5}\ndone: ${i % 2 === 0}\ntags:\n  - t${i % 3}\n  - shared\nnested:\n  a: [1, 2]\n---\n`;
    writeFileSync(
      join(folder, `note-${i}.md`),
      `${front}# Note ${i}\n\nBody ${i} ünïcode ✓\n${links}${code}\n`,
    );
  }
  writeFileSync(join(dir, "starts-with-rule.md"), "---\n---\nnot frontmatter\n");
  mkdirSync(join(dir, ".obsidian"));
  writeFileSync(join(dir, ".obsidian", "skip.md"), "hidden");
}

describe("import and export", () => {
  test("export → import into an empty vault → export is byte-identical, attachments included", async () => {
    const source = temp();
    generatedCorpus(source, 60);
    mkdirSync(join(source, "area-0", "note-0.attachments"));
    writeFileSync(
      join(source, "area-0", "note-0.attachments", "voice.webm"),
      new Uint8Array([1, 2, 3, 0, 255]),
    );
    writeFileSync(join(source, "area-0", "note-0.attachments", "photo.png"), new Uint8Array(2048).fill(9));
    const first = new VaultSet(temp(), () => Date.now());
    const v1 = first.get("default");
    expect(await importFolder(v1.notes, source, v1.attachments)).toBe(61);
    expect(v1.attachments.list(v1.notes.get("area-0/note-0").id).map((a) => a.name)).toEqual([
      "photo.png",
      "voice.webm",
    ]);
    const outA = temp();
    expect(exportFolder(v1.notes, outA, v1.attachments)).toBe(61);

    const second = new VaultSet(temp(), () => Date.now());
    const v2 = second.get("default");
    await importFolder(v2.notes, outA, v2.attachments);
    const outB = temp();
    exportFolder(v2.notes, outB, v2.attachments);
    expect(Object.keys(snapshot(outA))).toContain(join("area-0", "note-0.attachments", "voice.webm"));
    expect(snapshot(outB)).toEqual(snapshot(outA));
    first.close();
    second.close();
  });

  test("frontmatter becomes metadata and tags; links are parsed, code is not", async () => {
    const source = temp();
    generatedCorpus(source, 10);
    const vaults = new VaultSet(temp(), () => Date.now());
    const notes = vaults.get("default").notes;
    await importFolder(notes, source);
    const n1 = notes.get("area-1/sub/note-1");
    expect(n1.metadata).toMatchObject({ title: "Note 1", rating: 1, done: false, nested: { a: [1, 2] } });
    expect(n1.tags).toEqual(["shared", "t1"]);
    expect(notes.links("area-0/note-0").some((l) => l.target === "not a link")).toBe(false);
    expect(notes.backlinks("area-2/sub/note-2").length).toBeGreaterThan(0);
    expect(() => notes.get(".obsidian/skip")).toThrow();
    vaults.close();
  });

  test("content that opens like frontmatter survives the round trip", () => {
    const md = noteToMarkdown({ content: "---\nnot: yaml\n---\nbody", metadata: {}, tags: [] });
    expect(noteFromMarkdown("x", md)).toMatchObject({
      content: "---\nnot: yaml\n---\nbody",
      metadata: {},
      tags: [],
    });
  });

  test("a missing folder is refused; a bad file aborts its batch", async () => {
    const vaults = new VaultSet(temp(), () => Date.now());
    await expect(importFolder(vaults.get("default").notes, join(temp(), "nope"))).rejects.toThrow(
      /not a folder/,
    );
    const bad = temp();
    writeFileSync(join(bad, "ok.md"), "fine");
    writeFileSync(join(bad, "broken.md"), "---\n: : [\n---\nbody");
    await expect(importFolder(vaults.get("default").notes, bad)).rejects.toThrow();
    expect(() => vaults.get("default").notes.get("ok")).toThrow();
    vaults.close();
  });
});
