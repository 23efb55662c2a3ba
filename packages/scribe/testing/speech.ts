import { afterAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A sentence pocketsphinx's English model reliably hears "test" in, when espeak-ng says it. */
const SENTENCE = "hello world. this is a test of the parachute transcription.";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A temp folder removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "scribe-test-"));
  dirs.push(dir);
  return dir;
}

/** Real speech: espeak-ng (Debian's package) saying `text` into a WAV file. */
export function speech(text = SENTENCE, dir = tempDir()): string {
  const file = join(dir, "speech.wav");
  const r = Bun.spawnSync(["espeak-ng", "-v", "en-us", "-s", "150", "-w", file, text], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`espeak-ng failed: ${r.stderr}`);
  return file;
}

/** A multipart transcription request body. */
export function form(fields: Record<string, string | Blob>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    if (v instanceof Blob) f.set(k, v, "audio.wav");
    else f.set(k, v);
  }
  return f;
}
