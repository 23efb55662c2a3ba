import { parse, stringify } from "yaml";
import { invalid } from "./errors.ts";

/** Splits `---\nyaml\n---\nbody` into its metadata object and body; no frontmatter gives `{}`. */
export function splitFrontmatter(text: string): { metadata: Record<string, unknown>; body: string } {
  const m = /^---\r?\n([\s\S]*?)\r?\n---(?:\r?\n|$)/.exec(text);
  if (!m) return { metadata: {}, body: text };
  let data: unknown;
  try {
    data = parse(m[1]!) ?? {};
  } catch (err) {
    throw invalid("invalid_frontmatter", `the YAML frontmatter does not parse: ${(err as Error).message}`);
  }
  if (typeof data !== "object" || Array.isArray(data))
    throw invalid("invalid_frontmatter", "the frontmatter must be a mapping");
  return { metadata: data as Record<string, unknown>, body: text.slice(m[0].length) };
}

/** The inverse: metadata (when any) as YAML frontmatter in front of the body. */
export function joinFrontmatter(metadata: Record<string, unknown>, body: string): string {
  if (Object.keys(metadata).length === 0) return body;
  return `---\n${stringify(metadata, { lineWidth: 0 }).trimEnd()}\n---\n${body}`;
}
