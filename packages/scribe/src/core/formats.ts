import type { Segment, Transcript } from "../engines/engine.ts";
import { ScribeError } from "./errors.ts";

const FORMATS = ["json", "text", "verbose_json", "srt", "vtt"] as const;
export type Format = (typeof FORMATS)[number];

export function parseFormat(raw: string | undefined): Format {
  if (raw === undefined || raw === "") return "json";
  if ((FORMATS as readonly string[]).includes(raw)) return raw as Format;
  throw new ScribeError("invalid", "invalid_field", `"response_format" must be one of ${FORMATS.join(", ")}`);
}

/** `hh:mm:ss,mmm` (SRT) or `hh:mm:ss.mmm` (WebVTT). */
function stamp(seconds: number, separator: "," | "."): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms % 1000, 3)}`;
}

function cues(segments: Segment[], separator: "," | "."): string[] {
  return segments.map((s) => `${stamp(s.start, separator)} --> ${stamp(s.end, separator)}\n${s.text}`);
}

/** A transcript in the response format asked for, as OpenAI's API answers it. */
export function render(t: Transcript, duration: number, format: Format): Response {
  switch (format) {
    case "json":
      return Response.json({ text: t.text });
    case "text":
      return new Response(`${t.text}\n`, { headers: { "content-type": "text/plain; charset=utf-8" } });
    case "verbose_json":
      return Response.json({
        task: "transcribe",
        language: t.language,
        duration,
        text: t.text,
        segments: t.segments.map((s, id) => ({
          id,
          seek: 0,
          start: s.start,
          end: s.end,
          text: s.text,
          tokens: [],
          temperature: 0,
          avg_logprob: 0,
          compression_ratio: 0,
          no_speech_prob: 0,
        })),
      });
    case "srt":
      return new Response(
        `${cues(t.segments, ",")
          .map((c, i) => `${i + 1}\n${c}`)
          .join("\n\n")}\n`,
        {
          headers: { "content-type": "text/plain; charset=utf-8" },
        },
      );
    case "vtt":
      return new Response(`WEBVTT\n\n${cues(t.segments, ".").join("\n\n")}\n`, {
        headers: { "content-type": "text/vtt; charset=utf-8" },
      });
  }
}
