/** A stretch of speech with its times, in seconds. */
export interface Segment {
  start: number;
  end: number;
  text: string;
}

export interface Transcript {
  text: string;
  language: string;
  segments: Segment[];
}

/** One transcription for an engine: 16 kHz mono WAV, and what the client asked for. */
export interface EngineJob {
  wav: string;
  duration: number;
  language?: string;
  prompt?: string;
  signal: AbortSignal;
}

export type EngineName = "pocketsphinx" | "whisper-cpp" | "openai-compatible";
export const ENGINE_NAMES: readonly EngineName[] = ["pocketsphinx", "whisper-cpp", "openai-compatible"];

/** A way to turn speech into text. */
export interface Engine {
  readonly name: EngineName;
  /** Null when it can run here; otherwise why not, in words a person can act on. */
  unusable(): string | null;
  transcribe(job: EngineJob): Promise<Transcript>;
}
