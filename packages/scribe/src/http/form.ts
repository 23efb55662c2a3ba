import { HttpError, readCappedBytes } from "@parachute/module-kit";
import { ScribeError } from "../core/errors.ts";
import { type Format, parseFormat } from "../core/formats.ts";

export interface TranscriptionForm {
  file: Blob;
  model: string;
  format: Format;
  language?: string;
  prompt?: string;
}

/** Fields OpenAI's API takes that scribe accepts and ignores: they change nothing it can honour. */
const IGNORED = new Set(["temperature", "timestamp_granularities[]", "timestamp_granularities", "include[]"]);
const KNOWN = new Set(["file", "model", "response_format", "language", "prompt", "stream", ...IGNORED]);

/**
 * Reads the multipart upload, refusing past `maxBytes` before buffering it (413), and checks every
 * field: a missing file, an unknown field or a bad value is a 400 naming it.
 */
export async function readTranscriptionForm(req: Request, maxBytes: number): Promise<TranscriptionForm> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("multipart/form-data"))
    throw new ScribeError(
      "invalid",
      "invalid_body",
      'send the audio as multipart/form-data with a "file" field',
    );
  let bytes: Buffer<ArrayBuffer>;
  try {
    bytes = await readCappedBytes(req, maxBytes);
  } catch (err) {
    if (err instanceof HttpError && err.status === 413)
      throw new ScribeError(
        "too_large",
        "too_large",
        `the upload is over ${Math.round(maxBytes / 1048576)} MB`,
      );
    throw err;
  }
  let form: FormData;
  try {
    form = await new Response(bytes, { headers: { "content-type": type } }).formData();
  } catch {
    throw new ScribeError("invalid", "invalid_body", "the body is not valid multipart/form-data");
  }
  for (const key of form.keys()) {
    if (!KNOWN.has(key))
      throw new ScribeError("invalid", "invalid_field", `"${key}" is not a field of a transcription request`);
  }
  const text = (key: string, max: number): string | undefined => {
    const v = form.get(key);
    if (v === null) return undefined;
    if (typeof v !== "string" || v.length > max)
      throw new ScribeError("invalid", "invalid_field", `"${key}" must be text of at most ${max} characters`);
    return v;
  };
  const file = form.get("file");
  if (!(file instanceof Blob))
    throw new ScribeError("invalid", "invalid_field", '"file" is required: the audio to transcribe');
  if (file.size === 0)
    throw new ScribeError("invalid", "invalid_field", '"file" is empty: it holds no audio');
  if (text("stream", 10) === "true")
    throw new ScribeError(
      "invalid",
      "invalid_field",
      '"stream" is not supported: scribe answers when the transcript is done',
    );
  const language = text("language", 10) || undefined;
  if (language !== undefined && !/^[a-z]{2,3}$/.test(language))
    throw new ScribeError("invalid", "invalid_field", '"language" must be an ISO-639-1 code such as "en"');
  return {
    file,
    model: text("model", 100) ?? "",
    format: parseFormat(text("response_format", 20)),
    language,
    prompt: text("prompt", 4000) || undefined,
  };
}
