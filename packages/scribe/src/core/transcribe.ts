import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Transcript } from "../engines/engine.ts";
import { decode } from "./audio.ts";
import { cleanUp } from "./cleanup.ts";
import { ScribeError } from "./errors.ts";
import { chooseEngine, type Settings } from "./settings.ts";

export interface TranscriptionRequest {
  audio: Blob;
  model: string;
  language?: string;
  prompt?: string;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

/**
 * One transcription: the upload to a temp file, decoded to 16 kHz mono, through the chosen engine
 * and the optional clean-up pass, all within the job's time; its files are removed whatever happens.
 */
export async function transcribe(
  req: TranscriptionRequest,
  s: Settings,
  workDir: string,
  log: (line: string) => void,
): Promise<{ transcript: Transcript; duration: number }> {
  const engine = chooseEngine(s, req.model);
  const timeout = new AbortController();
  const timer = setTimeout(
    () =>
      timeout.abort(
        new ScribeError(
          "timeout",
          "timeout",
          `the transcription took longer than ${s.timeoutSeconds} s and was stopped`,
        ),
      ),
    s.timeoutSeconds * 1000,
  );
  const signal = AbortSignal.any([timeout.signal, req.signal]);
  const id = randomUUID();
  const input = join(workDir, `${id}.upload`);
  const wav = join(workDir, `${id}.wav`);
  try {
    await Bun.write(input, req.audio);
    const audio = await decode(input, wav, signal, s.maxMinutes * 60);
    const transcript = await engine.transcribe({
      ...audio,
      language: req.language,
      prompt: req.prompt,
      signal,
    });
    if (s.cleanup) transcript.text = await cleanUp(transcript.text, s.cleanup, signal, log);
    return { transcript, duration: audio.duration };
  } catch (err) {
    if (signal.aborted && !(err instanceof ScribeError && err.kind !== "engine_failed")) {
      const reason = signal.reason as unknown;
      throw reason instanceof ScribeError
        ? reason
        : new ScribeError("timeout", "cancelled", "the client went away before the transcription finished");
    }
    throw err;
  } finally {
    clearTimeout(timer);
    rmSync(input, { force: true });
    rmSync(wav, { force: true });
  }
}
