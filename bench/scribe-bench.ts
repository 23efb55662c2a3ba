import { join } from "node:path";
import { startHub, tempHome } from "../packages/hub/testing/hub-process.ts";
import { median, type Row } from "./stats.ts";

const SCRIBE_DIR = join(import.meta.dir, "..", "packages", "scribe");
const PARAGRAPH =
  "This is a recording made to measure how fast the transcription runs. It talks about the weather, " +
  "the garden and the list of things to buy at the market on saturday morning. Bread, apples, " +
  "cheese and coffee are on the list, and a new notebook for the meeting on monday. ";

/** Speech espeak-ng makes, about half a minute long, and its length as ffprobe measures it. */
function speech(dir: string): { file: string; seconds: number } {
  const file = join(dir, "speech.wav");
  const said = Bun.spawnSync(["espeak-ng", "-v", "en-us", "-s", "150", "-w", file, PARAGRAPH.repeat(2)]);
  if (said.exitCode !== 0) throw new Error(`espeak-ng: ${said.stderr}`);
  const probe = Bun.spawnSync([
    "ffprobe",
    "-v",
    "error",
    "-show_entries",
    "format=duration",
    "-of",
    "csv=p=0",
    file,
  ]);
  return { file, seconds: Number(probe.stdout.toString().trim()) };
}

/**
 * Scribe's real-time factor with pocketsphinx: seconds spent per second of audio, for a whole
 * request through the hub (upload, decode, recognition, answer). Median of several runs.
 */
export async function scribeBench(quick: boolean): Promise<Row[]> {
  const hub = await startHub(tempHome());
  try {
    const installed = await hub.op("POST", "/api/modules/install", { path: SCRIBE_DIR });
    if (installed.status !== 200) throw new Error(`scribe install: ${await installed.text()}`);
    const { token } = (await (
      await hub.api("POST", "/api/tokens", { scope: "scribe:transcribe" })
    ).json()) as {
      token: string;
    };
    const audio = speech(tempHome());
    const factors: number[] = [];
    for (let i = 0; i < (quick ? 1 : 3); i++) {
      const form = new FormData();
      form.set("file", Bun.file(audio.file), "speech.wav");
      form.set("model", "pocketsphinx");
      const began = performance.now();
      const res = await fetch(`${hub.origin}/scribe/v1/audio/transcriptions`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: form,
      });
      if (res.status !== 200) throw new Error(`transcription: ${res.status} ${await res.text()}`);
      await res.json();
      factors.push((performance.now() - began) / 1000 / audio.seconds);
    }
    const rtf = median(factors);
    return [
      {
        what: `scribe (pocketsphinx): real-time factor, ${audio.seconds.toFixed(0)} s of speech through the hub`,
        figure: rtf.toFixed(2),
        target: "≤ 0.5",
        ok: rtf <= 0.5,
      },
    ];
  } finally {
    await hub.stop();
  }
}
