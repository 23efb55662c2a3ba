import { existsSync, readFileSync, rmSync } from "node:fs";
import { ScribeError } from "../core/errors.ts";
import { lastLines, run } from "../core/process.ts";
import type { Engine, EngineJob, Transcript } from "./engine.ts";

interface WhisperJson {
  result?: { language?: string };
  transcription?: { offsets: { from: number; to: number }; text: string }[];
}

/** whisper.cpp's command-line program with a ggml model file the operator provides. */
export function whisperCpp(settings: { binary: string; model: string | undefined }): Engine {
  return {
    name: "whisper-cpp",
    unusable() {
      if (!Bun.which(settings.binary)) return `the program "${settings.binary}" is not on the PATH`;
      if (!settings.model) return "no model file is set (setting whisperModel)";
      if (!existsSync(settings.model)) return `the model file ${settings.model} does not exist`;
      return null;
    },
    async transcribe(job: EngineJob): Promise<Transcript> {
      const base = `${job.wav}.whisper`;
      const argv = [settings.binary, "-m", settings.model!, "-f", job.wav, "-oj", "-of", base, "-np"];
      argv.push("-l", job.language ?? "auto");
      if (job.prompt) argv.push("--prompt", job.prompt);
      try {
        const r = await run(argv, job.signal);
        if (r.code !== 0 || !existsSync(`${base}.json`)) {
          throw new ScribeError(
            "engine_failed",
            "engine_failed",
            `whisper.cpp failed: ${lastLines(r.stderr) || `exit ${r.code}`}`,
          );
        }
        const out = JSON.parse(readFileSync(`${base}.json`, "utf8")) as WhisperJson;
        const segments = (out.transcription ?? []).map((s) => ({
          start: s.offsets.from / 1000,
          end: s.offsets.to / 1000,
          text: s.text.trim(),
        }));
        return {
          text: segments.map((s) => s.text).join(" "),
          language: out.result?.language ?? job.language ?? "",
          segments,
        };
      } finally {
        rmSync(`${base}.json`, { force: true });
      }
    },
  };
}
