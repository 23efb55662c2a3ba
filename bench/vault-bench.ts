import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHub, tempHome } from "../packages/hub/testing/hub-process.ts";
import { importFolder, queryNotes, VaultSet } from "../packages/vault/src/index.ts";
import { corpus, sentence, VOCAB, zipfWord } from "./corpus.ts";
import { median, type Row } from "./stats.ts";

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export async function vaultBench(quick: boolean): Promise<Row[]> {
  const n = quick ? 20_000 : 100_000;
  const work = mkdtempSync(join(tmpdir(), "vault-bench-"));
  try {
    corpus(join(work, "src"), n);
    const vaults = new VaultSet(join(work, "data"), () => Date.now());
    const v = vaults.get("default");
    const began = performance.now();
    await importFolder(v.notes, join(work, "src"), v.attachments);
    const importS = (performance.now() - began) / 1000;

    // Queries as people type them: one or two words of any frequency, or a word found in one note.
    const times: number[] = [];
    for (let q = 0; q < 300; q++) {
      const query =
        q % 3 === 0 ? `unique${(q * 331) % n}` : q % 3 === 1 ? zipfWord() : `${zipfWord()} ${zipfWord()}`;
      const t = performance.now();
      queryNotes(v.notes, { search: query, limit: 20 });
      times.push(performance.now() - t);
    }
    // The worst case: the most common word, which is in most notes.
    const worst: number[] = [];
    for (let q = 0; q < 10; q++) {
      const t = performance.now();
      queryNotes(v.notes, { search: VOCAB[0]!, limit: 20 });
      worst.push(performance.now() - t);
    }
    vaults.close();

    const creates = await createThroughHub(quick ? 500 : 2000);
    const label = quick ? "20k" : "100k";
    const scale = n === 100_000 ? 1 : 100_000 / n;
    return [
      {
        what: `vault: import ${label} notes`,
        figure: `${importS.toFixed(1)} s${scale !== 1 ? ` (×${scale} ≈ ${(importS * scale).toFixed(0)} s)` : ""}`,
        target: "≤ 30 s at 100k",
        ok: importS * scale <= 30,
      },
      {
        what: `vault: FTS search at ${label} notes, p50`,
        figure: `${median(times).toFixed(2)} ms`,
        target: "",
        ok: true,
      },
      {
        what: `vault: FTS search at ${label} notes, p95`,
        figure: `${percentile(times, 95).toFixed(2)} ms`,
        target: "≤ 20 ms at 100k",
        ok: percentile(times, 95) <= 20,
      },
      {
        what: "vault: sequential creates through the hub",
        figure: `${creates.toFixed(0)} notes/s`,
        target: "≥ 1000 notes/s",
        ok: creates >= 1000,
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function createThroughHub(count: number): Promise<number> {
  const hub = await startHub(tempHome());
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
    for (let round = 0; round < 3; round++) {
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
    return median(rates);
  } finally {
    await hub.stop();
  }
}
