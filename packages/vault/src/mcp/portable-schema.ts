type Schema = Record<string, unknown>;

/**
 * Rewrites a JSON Schema into the spelling every MCP client reads (the Inspector's `--strict`
 * checks): a `type` array becomes `anyOf` branches with one `type` each. Nothing else changes.
 */
export function portableSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(portableSchema);
  if (typeof schema !== "object" || schema === null) return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) out[k] = portableSchema(v);
  if (Array.isArray(out.type)) {
    const types = out.type as string[];
    delete out.type;
    out.anyOf = types.map((type) => ({ type }));
  }
  return out;
}
