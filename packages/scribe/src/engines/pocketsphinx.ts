import { existsSync } from "node:fs";
import { ScribeError } from "../core/errors.ts";
import { lastLines, run } from "../core/process.ts";
import type { Engine, EngineJob, Segment, Transcript } from "./engine.ts";

const PROGRAM = "pocketsphinx_continuous";
/** Debian's pocketsphinx-en-us model, which the program uses by default. */
const MODEL = "/usr/share/pocketsphinx/model/en-us/en-us";

/**
 * Reads `-time yes` output: each utterance is its text on one line, then a line per word
 * (`word start end confidence`) between `<s>` and `</s>` (missing when speech runs to the end).
 */
function parseTimed(out: string): Segment[] {
  const segments: Segment[] = [];
  let words: { word: string; start: number; end: number }[] = [];
  const close = () => {
    if (words.length) {
      const text = words.map((w) => w.word).join(" ");
      segments.push({ start: words[0]!.start, end: words.at(-1)!.end, text });
    }
    words = [];
  };
  for (const line of out.split("\n")) {
    const m = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) \S+$/.exec(line.trim());
    if (!m) continue;
    const [, word, start, end] = m as unknown as [string, string, string, string];
    if (word === "<s>") words = [];
    else if (word === "</s>") {
      close();
    } else if (!word.startsWith("<") && !word.startsWith("[") && !word.startsWith("++")) {
      words.push({ word: word.replace(/\(\d+\)$/, ""), start: Number(start), end: Number(end) });
    }
  }
  // Speech running to the end of the recording has no closing </s>.
  close();
  return segments;
}

/** CMU pocketsphinx with Debian's US English model: offline, fast, rough. */
export function pocketsphinx(): Engine {
  return {
    name: "pocketsphinx",
    unusable() {
      if (!Bun.which(PROGRAM)) return `${PROGRAM} is not installed (Debian: apt-get install pocketsphinx)`;
      if (!existsSync(MODEL))
        return "its English model is not installed (Debian: apt-get install pocketsphinx-en-us)";
      return null;
    },
    async transcribe(job: EngineJob): Promise<Transcript> {
      if (job.language && job.language !== "en") {
        throw new ScribeError(
          "unprocessable",
          "unsupported_language",
          `the pocketsphinx engine knows only English ("en"), not "${job.language}"`,
        );
      }
      const r = await run([PROGRAM, "-infile", job.wav, "-time", "yes", "-logfn", "/dev/null"], job.signal);
      if (r.code !== 0) {
        throw new ScribeError(
          "engine_failed",
          "engine_failed",
          `pocketsphinx failed: ${lastLines(r.stderr) || `exit ${r.code}`}`,
        );
      }
      const segments = parseTimed(r.stdout);
      return { text: segments.map((s) => s.text).join(" "), language: "en", segments };
    },
  };
}
