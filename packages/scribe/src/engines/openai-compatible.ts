import { ScribeError } from "../core/errors.ts";
import type { Engine, EngineJob, Transcript } from "./engine.ts";

interface RemoteSettings {
  url: string | undefined;
  apiKey: string | undefined;
  model: string;
}

interface VerboseJson {
  text?: unknown;
  language?: unknown;
  segments?: { start: number; end: number; text: string }[];
}

/** What a failed remote call said, from an OpenAI-style `{error: {message}}` or the raw text. */
async function remoteMessage(res: Response): Promise<string> {
  const text = (await res.text()).slice(0, 2000);
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    const msg = typeof body.error === "object" ? body.error?.message : (body.message ?? body.error);
    if (msg) return String(msg).slice(0, 500);
  } catch {
    // Not JSON: the text itself.
  }
  return text.trim().slice(0, 500) || `HTTP ${res.status}`;
}

/** Any service that speaks OpenAI's transcription API (OpenAI itself, a local server, another scribe). */
export function openaiCompatible(settings: RemoteSettings): Engine {
  return {
    name: "openai-compatible",
    unusable() {
      if (!settings.url) return "no service is set (setting remoteUrl)";
      const url = URL.parse(settings.url);
      if (!url || (url.protocol !== "http:" && url.protocol !== "https:"))
        return `remoteUrl "${settings.url}" is not an http(s) URL`;
      return null;
    },
    async transcribe(job: EngineJob): Promise<Transcript> {
      const form = new FormData();
      form.set("file", Bun.file(job.wav, { type: "audio/wav" }), "audio.wav");
      form.set("model", settings.model);
      form.set("response_format", "verbose_json");
      if (job.language) form.set("language", job.language);
      if (job.prompt) form.set("prompt", job.prompt);
      const headers: Record<string, string> = settings.apiKey
        ? { authorization: `Bearer ${settings.apiKey}` }
        : {};
      let res: Response;
      try {
        res = await fetch(`${settings.url!.replace(/\/+$/, "")}/audio/transcriptions`, {
          method: "POST",
          body: form,
          headers,
          signal: job.signal,
          redirect: "error",
        });
      } catch (err) {
        if (job.signal.aborted) throw err;
        throw new ScribeError(
          "engine_failed",
          "engine_failed",
          `the transcription service did not answer: ${(err as Error).message}`,
        );
      }
      if (!res.ok) {
        throw new ScribeError(
          "engine_failed",
          "engine_failed",
          `the transcription service answered ${res.status}: ${await remoteMessage(res)}`,
        );
      }
      const body = (await res.json().catch(() => ({}))) as VerboseJson;
      if (typeof body.text !== "string")
        throw new ScribeError(
          "engine_failed",
          "engine_failed",
          "the transcription service answered without a text",
        );
      const segments = Array.isArray(body.segments)
        ? body.segments.map((s) => ({
            start: Number(s.start),
            end: Number(s.end),
            text: String(s.text).trim(),
          }))
        : [{ start: 0, end: job.duration, text: body.text.trim() }];
      return {
        text: body.text.trim(),
        language: typeof body.language === "string" ? body.language : (job.language ?? ""),
        segments,
      };
    },
  };
}
