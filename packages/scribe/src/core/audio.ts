import { statSync } from "node:fs";
import { ScribeError } from "./errors.ts";
import { lastLines, run } from "./process.ts";

/** The audio every engine is given: 16 kHz, mono, 16-bit PCM in a WAV file. */
export interface Decoded {
  wav: string;
  /** Seconds. */
  duration: number;
}

const BYTES_PER_SECOND = 16_000 * 2;

/** Decodes any input ffmpeg can read into the engines' WAV; unreadable input is a 415. */
export async function decode(input: string, wav: string, signal: AbortSignal): Promise<Decoded> {
  const argv = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", input];
  const r = await run(
    [...argv, "-vn", "-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", "-f", "wav", wav],
    signal,
  );
  if (r.code !== 0) {
    throw new ScribeError(
      "unsupported_media",
      "unreadable_audio",
      `the file is not audio scribe can read (ffmpeg: ${lastLines(r.stderr) || `exit ${r.code}`})`,
    );
  }
  const bytes = statSync(wav).size - 44;
  if (bytes <= 0) throw new ScribeError("unprocessable", "no_audio", "the file holds no audio");
  return { wav, duration: bytes / BYTES_PER_SECOND };
}
