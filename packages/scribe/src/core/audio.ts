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

/**
 * The containers ffmpeg may read an upload as. Playlists and lists of files (HLS, concat, …) are
 * not among them: they would make ffmpeg open other files on this machine.
 */
const AUDIO_FORMATS = "wav,w64,mp3,ogg,matroska,webm,mov,mp4,m4a,3gp,flac,aac,amr,caf,aiff";

/**
 * Decodes an upload ffmpeg can read into the engines' WAV, reading no other file and no more than
 * `maxSeconds` (plus one, to tell a recording that is too long): unreadable input is a 415, a
 * recording over the limit a 422.
 */
export async function decode(
  input: string,
  wav: string,
  signal: AbortSignal,
  maxSeconds: number,
): Promise<Decoded> {
  const argv = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"];
  const source = ["-format_whitelist", AUDIO_FORMATS, "-protocol_whitelist", "file", "-i", input];
  const out = [
    "-vn",
    "-t",
    String(maxSeconds + 1),
    "-ar",
    "16000",
    "-ac",
    "1",
    "-c:a",
    "pcm_s16le",
    "-f",
    "wav",
    wav,
  ];
  const r = await run([...argv, ...source, ...out], signal);
  if (r.code !== 0) {
    // Its words, without the paths of this machine's files.
    const said = (lastLines(r.stderr) || `exit ${r.code}`)
      .replaceAll(input, "the upload")
      .replaceAll(wav, "the output");
    throw new ScribeError(
      "unsupported_media",
      "unreadable_audio",
      `the file is not audio scribe can read (ffmpeg: ${said})`,
    );
  }
  const bytes = statSync(wav).size - 44;
  if (bytes <= 0) throw new ScribeError("unprocessable", "no_audio", "the file holds no audio");
  const duration = bytes / BYTES_PER_SECOND;
  if (duration > maxSeconds) {
    throw new ScribeError(
      "unprocessable",
      "audio_too_long",
      `the recording is longer than ${maxSeconds / 60} minutes, the most scribe takes (setting maxMinutes)`,
    );
  }
  return { wav, duration };
}
