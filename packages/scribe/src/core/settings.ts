import type { ConfigValues } from "@parachute/module-kit";
import { ENGINE_NAMES, type Engine, type EngineName } from "../engines/engine.ts";
import { openaiCompatible } from "../engines/openai-compatible.ts";
import { pocketsphinx } from "../engines/pocketsphinx.ts";
import { whisperCpp } from "../engines/whisper-cpp.ts";
import type { CleanupSettings } from "./cleanup.ts";
import { ScribeError } from "./errors.ts";

/** Scribe's settings (the manifest's config schema), read afresh for every request. */
export interface Settings {
  engine: "auto" | EngineName;
  whisperBinary: string;
  whisperModel?: string;
  remoteUrl?: string;
  remoteApiKey?: string;
  remoteModel: string;
  queueSize: number;
  maxUploadMb: number;
  timeoutSeconds: number;
  /** The longest recording transcribed. */
  maxMinutes: number;
  cleanup?: CleanupSettings;
}

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

export function settingsFrom(v: ConfigValues): Settings {
  const cleanupUrl = str(v.cleanupUrl);
  return {
    engine: (str(v.engine) ?? "auto") as Settings["engine"],
    whisperBinary: str(v.whisperBinary) ?? "whisper-cli",
    whisperModel: str(v.whisperModel),
    remoteUrl: str(v.remoteUrl),
    remoteApiKey: str(v.remoteApiKey),
    remoteModel: str(v.remoteModel) ?? "whisper-1",
    queueSize: Number(v.queueSize ?? 8),
    maxUploadMb: Number(v.maxUploadMb ?? 100),
    timeoutSeconds: Number(v.timeoutSeconds ?? 300),
    maxMinutes: Number(v.maxMinutes ?? 15),
    cleanup: cleanupUrl
      ? { url: cleanupUrl, apiKey: str(v.cleanupApiKey), model: str(v.cleanupModel) ?? "gpt-4o-mini" }
      : undefined,
  };
}

/** Every engine, in the order `auto` prefers them. */
export function engines(s: Settings): Engine[] {
  return [
    pocketsphinx(),
    whisperCpp({ binary: s.whisperBinary, model: s.whisperModel }),
    openaiCompatible({ url: s.remoteUrl, apiKey: s.remoteApiKey, model: s.remoteModel }),
  ];
}

/**
 * The engine for a request's `model`: an engine's name picks it; anything OpenAI clients send by
 * default (`whisper-1`, empty) means the configured engine, or under `auto` the first usable one.
 */
export function chooseEngine(s: Settings, model: string): Engine {
  const all = engines(s);
  const named = (ENGINE_NAMES as readonly string[]).includes(model)
    ? model
    : s.engine === "auto"
      ? null
      : s.engine;
  if (named) {
    const engine = all.find((e) => e.name === named)!;
    const why = engine.unusable();
    if (why)
      throw new ScribeError(
        "unavailable",
        "engine_unavailable",
        `the ${engine.name} engine cannot run: ${why}`,
      );
    return engine;
  }
  const usable = all.find((e) => e.unusable() === null);
  if (!usable) {
    const whys = all.map((e) => `${e.name}: ${e.unusable()}`).join("; ");
    throw new ScribeError("unavailable", "no_engine", `no transcription engine can run here (${whys})`);
  }
  return usable;
}
