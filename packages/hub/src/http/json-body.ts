import { HttpError } from "@parachute/module-kit";

type FieldType = "string" | "boolean" | "number";

/**
 * Reads a JSON object body with a fixed set of typed fields. Malformed JSON, a non-object, an unknown
 * field, a wrong type or a missing required field is a 400 naming the field.
 */
export async function readJsonBody<T extends Record<string, unknown>>(
  req: Request,
  fields: Record<keyof T & string, { type: FieldType; required?: boolean }>,
  maxBytes = 64 * 1024,
): Promise<T> {
  const length = Number(req.headers.get("content-length") ?? 0);
  if (length > maxBytes) throw new HttpError(413, "body_too_large", `the body is over ${maxBytes} bytes`);
  const text = await req.text();
  if (text.length > maxBytes)
    throw new HttpError(413, "body_too_large", `the body is over ${maxBytes} bytes`);
  let body: unknown;
  try {
    body = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new HttpError(400, "invalid_json", "the body is not valid JSON");
  }
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
    if (typeof obj[key] !== rule.type)
      throw new HttpError(400, "invalid_field", `"${key}" must be a ${rule.type}`);
  }
  return obj as T;
}
