import { type Context, Hono } from "hono";
import { ScribeError } from "../core/errors.ts";
import { render } from "../core/formats.ts";
import type { JobQueue } from "../core/queue.ts";
import { engines, type Settings } from "../core/settings.ts";
import { transcribe } from "../core/transcribe.ts";
import { openaiError } from "./errors.ts";
import { readTranscriptionForm } from "./form.ts";

export interface ScribeDeps {
  settings: () => Settings;
  queue: JobQueue;
  /** Throws 401/403 unless the request may transcribe (`scribe:transcribe`). */
  authorize: (req: Request) => Promise<void>;
  /** Where uploads and decoded audio live while a job runs. */
  workDir: string;
  /** The hub's public origin, for the addresses `/scribe/` gives. */
  origin: string;
  log: (line: string) => void;
}

/**
 * OpenAI's audio transcription API under `/scribe/v1/`, over scribe's engines; `/scribe/` itself
 * (the module's URL in `parachute status`) says where that API is and which engine answers.
 */
export function scribeApp(deps: ScribeDeps): Hono {
  const root = new Hono();
  root.onError((err) => openaiError(err));
  const index = async (c: Context) => {
    await deps.authorize(c.req.raw);
    const usable = engines(deps.settings()).filter((e) => e.unusable() === null);
    return c.json({ openai_base_url: `${deps.origin}/scribe/v1`, engines: usable.map((e) => e.name) });
  };
  root.get("/scribe", index);
  root.get("/scribe/", index);
  root.route("/", transcriptionApi(deps));
  return root;
}

function transcriptionApi(deps: ScribeDeps): Hono {
  const app = new Hono().basePath("/scribe/v1");
  app.onError((err) => openaiError(err));
  app.notFound((c) =>
    openaiError(new ScribeError("invalid", "not_found", `nothing is served at ${c.req.path}`)),
  );
  app.use("*", async (c, next) => {
    await deps.authorize(c.req.raw);
    await next();
  });

  app.get("/models", (c) => {
    const all = engines(deps.settings()).map((e) => ({ engine: e, why: e.unusable() }));
    return c.json({
      object: "list",
      data: all
        .filter((e) => e.why === null)
        .map(({ engine }) => ({ id: engine.name, object: "model", created: 0, owned_by: "parachute" })),
      unavailable: all
        .filter((e) => e.why !== null)
        .map(({ engine, why }) => ({ id: engine.name, reason: why })),
    });
  });

  app.post("/audio/transcriptions", async (c) => {
    const s = deps.settings();
    const release = deps.queue.reserve();
    try {
      const form = await readTranscriptionForm(c.req.raw, s.maxUploadMb * 1024 * 1024);
      const request = {
        audio: form.file,
        model: form.model,
        language: form.language,
        prompt: form.prompt,
        signal: c.req.raw.signal,
      };
      const done = await deps.queue.run(() => transcribe(request, s, deps.workDir, deps.log));
      return render(done.transcript, done.duration, form.format);
    } finally {
      release();
    }
  });

  return app;
}
