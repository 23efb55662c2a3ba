/** A first-party module the hub offers to install: data, not code paths (docs/product.md). */
export interface CatalogEntry {
  short: string;
  package: string;
  displayName: string;
  tagline: string;
}

export const CATALOG: readonly CatalogEntry[] = [
  {
    short: "vault",
    package: "@parachute/vault",
    displayName: "Vault",
    tagline: "Your notes: full-text search, links and tags, over REST and MCP",
  },
  {
    short: "notes",
    package: "@parachute/notes",
    displayName: "Notes",
    tagline: "Write, browse and search notes; record voice notes",
  },
  {
    short: "scribe",
    package: "@parachute/scribe",
    displayName: "Scribe",
    tagline: "Audio transcription with an OpenAI-compatible API",
  },
  {
    short: "runner",
    package: "@parachute/runner",
    displayName: "Runner",
    tagline: "Scheduled AI jobs from vault notes tagged job",
  },
];

export function catalogEntry(short: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.short === short);
}

/**
 * The scopes a catalog module grants once installed, so a token for it can be made beforehand:
 * read, write and admin, for everything or per resource.
 */
export function catalogScopes(): string[] {
  return CATALOG.flatMap((e) =>
    ["read", "write", "admin"].flatMap((v) => [`${e.short}:${v}`, `${e.short}:*:${v}`]),
  );
}
