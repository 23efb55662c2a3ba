import { HttpError } from "./errors.ts";

type FieldType = "string" | "boolean" | "number" | "object" | "array";

/**
 * Reads a JSON object body with a fixed set of typed fields. Malformed JSON, a non-object, an unknown
 * field, a wrong type or a missing required field is a 400 naming the field.
 */
export async function readJsonBody<T extends Record<string, unknown>>(
  req: Request,
  fields: Record<keyof T & string, { type: FieldType; required?: boolean }>,
  maxBytes = 64 * 1024,
): Promise<T> {
  const text = await readCapped(req, maxBytes);
  const body: unknown = text === "" ? {} : parseJson(text);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "invalid_body", "the body must be a JSON object");
  }
  const obj = body as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!(key in fields))
      throw new HttpError(400, "unknown_field", `"${key}" is not a field of this request`);
  }
  for (const [key, rule] of Object.entries(fields) as [string, { type: FieldType; required?: boolean }][]) {
    if (obj[key] === undefined) {
      if (rule.required) throw new HttpError(400, "missing_field", `"${key}" is required`);
      continue;
    }
    const v = obj[key];
    const ok =
      rule.type === "array"
        ? Array.isArray(v)
        : rule.type === "object"
          ? typeof v === "object" && v !== null && !Array.isArray(v)
          : typeof v === rule.type;
    if (!ok)
      throw new HttpError(
        400,
        "invalid_field",
        `"${key}" must be ${rule.type === "array" || rule.type === "object" ? "an" : "a"} ${rule.type}`,
      );
  }
  return obj as T;
}

/** How deeply objects and arrays may nest in a request body. */
const MAX_JSON_DEPTH = 32;

/**
 * Parses JSON text, refusing (400) malformed JSON and nesting deeper than MAX_JSON_DEPTH — checked
 * first, in one linear pass, so absurd nesting costs nothing further.
 */
export function parseJson(text: string): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // a backslash escapes the next character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > MAX_JSON_DEPTH)
        throw new HttpError(
          400,
          "too_deep",
          `the body nests objects or arrays more than ${MAX_JSON_DEPTH} deep`,
        );
    } else if (c === 125 || c === 93) depth--;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "invalid_json", "the body is not valid JSON");
  }
}

/**
 * Reads a request body as text, refusing with 413 as soon as it passes `maxBytes` — by its declared
 * length before reading anything, or while streaming when the length is not declared.
 */
export async function readCapped(req: Request, maxBytes: number): Promise<string> {
  return (await readCappedBytes(req, maxBytes)).toString("utf8");
}

/** The body's bytes, refused with 413 once past `maxBytes` (at once when Content-Length says so). */
export async function readCappedBytes(req: Request, maxBytes: number): Promise<Buffer<ArrayBuffer>> {
  const declared = Number(req.headers.get("content-length") ?? -1);
  const tooLarge = () => new HttpError(413, "body_too_large", `the body is over ${maxBytes} bytes`);
  if (declared > maxBytes) throw tooLarge();
  if (!req.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
