import { join } from "node:path";
import { runProgram, startHub, tempHome } from "../packages/hub/testing/hub-process.ts";
import { median, type Row } from "./stats.ts";

const ROOT = join(import.meta.dir, "..");

/**
 * Time to working: an empty home → the hub serving, the admin created, the vault installed from
 * the checkout's packed modules and a note saved through the hub. Packing is a build step, done
 * once before the runs.
 */
async function emptyHomeToNote(source: string): Promise<number> {
  const began = performance.now();
  const hub = await startHub(tempHome(), { PARACHUTE_MODULE_SOURCE: source });
  try {
    const installed = await hub.op("POST", "/api/modules/install", { short: "vault" });
    if (installed.status !== 200) throw new Error(`vault install: ${await installed.text()}`);
    const { token } = (await (await hub.api("POST", "/api/tokens", { scope: "vault:write" })).json()) as {
      token: string;
    };
    const saved = await fetch(`${hub.origin}/vault/default/api/notes`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ path: "First note", content: "it works" }),
    });
    if (saved.status !== 201) throw new Error(`note: ${saved.status} ${await saved.text()}`);
    return performance.now() - began;
  } finally {
    await hub.stop();
  }
}

export async function workingBench(quick: boolean): Promise<Row[]> {
  const source = tempHome();
  const packed = await runProgram(
    [process.execPath, join(ROOT, "scripts", "pack-modules.ts"), "--out", source],
    {},
  );
  if (packed.code !== 0) throw new Error(`pack: ${packed.stderr}`);
  const times: number[] = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) times.push(await emptyHomeToNote(source));
  const ms = median(times);
  return [
    {
      what: "time to working: empty home → vault installed → note saved",
      figure: `${(ms / 1000).toFixed(2)} s`,
      target: "≤ 60 s",
      ok: ms <= 60_000,
    },
  ];
}
