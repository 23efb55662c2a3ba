import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHub, tempHome } from "../packages/hub/testing/hub-process.ts";
import { MERGE_AT, queryNotes, VaultSet } from "../packages/vault/src/index.ts";
import { runVault } from "../packages/vault/testing/cli.ts";
import { corpus, sentence, VOCAB, zipfWord } from "./corpus.ts";
import { median, type Row } from "./stats.ts";

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** The vault at 100k notes (20k with --quick), and at 1M too with --million. */
export async function vaultBench(quick: boolean, million = false): Promise<Row[]> {
  const rows = await vaultAt(quick ? 20_000 : 100_000, quick ? 60 : 200);
  if (million) rows.push(...(await vaultAt(1_000_000, 60)));
  return rows;
}

interface Query {
  search: string;
  tag?: string;
}

/**
 * The five kinds of search people make, each with its own figures: a word found in one note, one of
 * the commonest words, two words (both required), a quoted two-word phrase taken from a note, a
 * prefix as typed (`w1a*`), and a word within one tag.
 */
function queryClasses(n: number, dir: string): Record<string, () => Query> {
  const phraseFrom = () => {
    const i = Math.floor(Math.random() * n);
    const text = readFileSync(join(dir, `f${i % 100}`, `n${i}.md`), "utf8")
      .split("\n")[5]!
      .trim()
      .split(" ");
    const at = Math.floor(Math.random() * (text.length - 1));
    return { search: `"${text[at]} ${text[at + 1]}"` };
  };
  return {
    "rare word": () => ({ search: `unique${Math.floor(Math.random() * n)}` }),
    "common word": () => ({ search: VOCAB[Math.floor(Math.random() * 50)]! }),
    "two words": () => ({ search: `${zipfWord()} ${zipfWord()}` }),
    "two-word phrase": phraseFrom,
    prefix: () => ({ search: `${zipfWord().slice(0, -1)}*` }),
    "word in a tag": () => ({ search: zipfWord(), tag: `t${Math.floor(Math.random() * 20)}` }),
  };
}

async function vaultAt(n: number, perClass: number): Promise<Row[]> {
  const label = n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`;
  const work = mkdtempSync(join(tmpdir(), "vault-bench-"));
  const home = tempHome();
  try {
    corpus(join(work, "src"), n);
    // The import as an operator runs it: `parachute-vault import`, a process of its own.
    const began = performance.now();
    const imported = await runVault(home, ["import", join(work, "src")]);
    if (imported.code !== 0) throw new Error(`import: ${imported.stderr}`);
    const importS = (performance.now() - began) / 1000;
    // Each round writes as many notes as the log holds at most, so every round pays for its merges.
    const creates = await createThroughHub(home, MERGE_AT);

    const vaults = new VaultSet(join(home, "vault"), () => Date.now());
    const v = vaults.get("default");
    v.notes.search.ftsCurrent(); // the exact answers below are read from FTS5 directly
    const rows: Row[] = [];
    const exactRows = v.db.query(
      "SELECT n.id FROM notes_fts f JOIN notes n ON n.rowid = f.rowid WHERE notes_fts MATCH ?1 AND (?2 IS NULL OR EXISTS (SELECT 1 FROM tags t WHERE t.note_id = n.id AND t.tag = ?2)) ORDER BY bm25(notes_fts), n.rowid LIMIT 20",
    );
    let overlap = 0;
    let wanted = 0;
    const ftsTimes: number[] = [];
    for (const [name, make] of Object.entries(queryClasses(n, join(work, "src")))) {
      const times: number[] = [];
      for (let i = 0; i < perClass; i++) {
        const q = make();
        const t = performance.now();
        const got = queryNotes(v.notes, { search: q.search, limit: 20, ...(q.tag ? { tag: [q.tag] } : {}) });
        times.push(performance.now() - t);
        // Exact bm25 by FTS5 scoring every match: the reference, and the time it takes.
        const f = performance.now();
        const exact = exactRows.all(q.search, q.tag ?? null) as { id: string }[];
        ftsTimes.push(performance.now() - f);
        const ids = new Set(got.notes.map((x) => x.id));
        overlap += exact.filter((e) => ids.has(e.id)).length;
        wanted += exact.length;
      }
      const p95 = percentile(times, 95);
      const target = n >= 1_000_000 ? 25 : 10;
      rows.push({
        what: `vault: search at ${label}, ${name}, p50 / p95 / p99`,
        figure: `${median(times).toFixed(2)} / ${p95.toFixed(2)} / ${percentile(times, 99).toFixed(2)} ms`,
        target: `p95 ≤ ${target} ms`,
        ok: p95 <= target,
      });
    }
    vaults.close();
    return [
      ...rows,
      {
        what: `vault: top-20 overlap with exact bm25 at ${label}`,
        figure: (overlap / Math.max(1, wanted)).toFixed(3),
        target: "1.000 (exact)",
        ok: overlap === wanted,
      },
      {
        what: `vault: FTS5 scoring every match at ${label} (before), p50 / p95`,
        figure: `${median(ftsTimes).toFixed(2)} / ${percentile(ftsTimes, 95).toFixed(2)} ms`,
        target: "",
        ok: true,
      },
      {
        what: `vault: parachute-vault import of ${label} notes`,
        figure: `${importS.toFixed(1)} s`,
        target: n === 100_000 ? "≤ 30 s" : "",
        ok: n !== 100_000 || importS <= 30,
      },
      {
        what: `vault: sequential creates through the hub, ${label} notes in the vault`,
        figure: `${creates.creates.toFixed(0)} notes/s`,
        target: "≥ 1000 notes/s",
        ok: creates.creates >= 1000,
      },
      {
        what: `vault: creates / one-note reads through the hub, same run (how busy the machine was)`,
        figure: `${(creates.creates / creates.reads).toFixed(2)} (reads ${creates.reads.toFixed(0)}/s)`,
        target: "",
        ok: true,
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
}

/** Creates one at a time over HTTP through the hub's proxy, into a vault already holding notes. */
async function createThroughHub(home: string, count: number): Promise<{ creates: number; reads: number }> {
  const hub = await startHub(home);
  try {
    const res = await hub.op("POST", "/api/modules/install", {
      path: join(import.meta.dir, "..", "packages", "vault"),
    });
    if (res.status !== 200) throw new Error(`vault install: ${await res.text()}`);
    const { token } = (await (await hub.api("POST", "/api/tokens", { scope: "vault:write" })).json()) as {
      token: string;
    };
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const url = `${hub.origin}/vault/default/api/notes`;
    const rates: number[] = [];
    const reads: number[] = [];
    for (let round = 0; round < 3; round++) {
      // The same path with a near-empty handler, as the yardstick for how fast this machine is now.
      const read = performance.now();
      for (let i = 0; i < count; i++)
        await (await fetch(`${url}?limit=1&view=preview`, { headers })).arrayBuffer();
      reads.push(count / ((performance.now() - read) / 1000));
      const began = performance.now();
      for (let i = 0; i < count; i++) {
        const r = await fetch(url, {
          method: "POST",
          headers,
          body: JSON.stringify({ path: `seq/r${round}/n${i}`, content: sentence(i, 20) }),
        });
        if (r.status !== 201) throw new Error(`create failed: ${r.status}`);
        await r.arrayBuffer();
      }
      rates.push(count / ((performance.now() - began) / 1000));
    }
    return { creates: median(rates), reads: median(reads) };
  } finally {
    await hub.stop();
  }
}
