import { z } from "zod";
import { MAX_LIMIT, queryNotes } from "../core/query.ts";
import { listTags } from "../core/tag-ops.ts";
import { vaultStats } from "../core/vaults.ts";
import { findPaths } from "./path-search.ts";
import { defineTool } from "./tool.ts";

const READ_ONLY = { readOnlyHint: true, openWorldHint: false } as const;
const date = (what: string) => z.string().optional().describe(`${what} (ISO 8601 date or time)`);
const limit = z.number().int().min(1).max(MAX_LIMIT).optional();

const queryNotesTool = defineTool({
  name: "query-notes",
  needs: "read",
  description:
    "List notes by any mix of filters: full-text search, tags to include and exclude, path prefix, " +
    "creation/update dates, metadata equality. Sorted and paged (offset, or the returned next_cursor).",
  annotations: { title: "Query notes", ...READ_ONLY },
  input: {
    search: z
      .string()
      .optional()
      .describe('Full-text search, SQLite FTS5 syntax: words, "a phrase", OR, NOT, prefix*'),
    tag: z.array(z.string()).optional().describe("Only notes carrying every one of these tags"),
    exclude_tag: z.array(z.string()).optional().describe("Leave out notes carrying any of these tags"),
    path_prefix: z.string().optional().describe('Only notes whose path starts with this, e.g. "journal/"'),
    created_after: date("Created after"),
    created_before: date("Created before"),
    updated_after: date("Updated after"),
    updated_before: date("Updated before"),
    metadata: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe("Only notes whose metadata has these exact values"),
    sort: z
      .enum(["updated_desc", "updated_asc", "created_desc", "created_asc", "path_asc", "relevance"])
      .optional()
      .describe("Default: relevance with a search, else updated_desc"),
    limit: limit.describe(`At most this many notes (default 50, up to ${MAX_LIMIT})`),
    offset: z.number().int().min(0).optional(),
    cursor: z.string().optional().describe("next_cursor from the previous page"),
    include_content: z.boolean().optional().describe("Set false to list notes without their content"),
  },
  run: ({ vault }, { include_content, ...q }) => {
    const page = queryNotes(vault.notes, q);
    if (include_content !== false) return page;
    return { ...page, notes: page.notes.map(({ content: _, ...rest }) => rest) };
  },
});

const listTagsTool = defineTool({
  name: "list-tags",
  needs: "read",
  description: "Every tag in the vault with how many notes carry it.",
  annotations: { title: "List tags", ...READ_ONLY },
  input: {},
  run: ({ vault }) => ({ tags: listTags(vault.db) }),
});

const findPathTool = defineTool({
  name: "find-path",
  needs: "read",
  description:
    "Find notes by path, case-insensitively: paths containing the text (match=contains, the default), " +
    "paths starting with it (match=prefix), or resolve one note by its exact path or id (match=exact), " +
    "which returns the whole note.",
  annotations: { title: "Find notes by path", ...READ_ONLY },
  input: {
    path: z.string().min(1).max(512).describe("Text to look for in note paths, or a path or id to resolve"),
    match: z.enum(["contains", "prefix", "exact"]).optional(),
    limit: limit.describe("At most this many paths (default 50)"),
  },
  run: ({ vault }, { path, match = "contains", limit = 50 }) => {
    if (match === "exact") return { note: vault.notes.get(path) };
    const { hits, more } = findPaths(vault.db, path, match, limit);
    return { notes: hits, more };
  },
});

const vaultInfoTool = defineTool({
  name: "vault-info",
  needs: "read",
  description: "The vault's name, counts of notes, tags and links, and whether this connection may write.",
  annotations: { title: "Vault info", ...READ_ONLY },
  input: {},
  run: ({ vault, access }) => ({ ...vaultStats(vault), access }),
});

const noteRef = z.string().min(1).max(512).describe("The note's id or path");

const linksTool = defineTool({
  name: "get-links",
  needs: "read",
  description:
    "A note's outgoing links, in the order they appear: [[wikilinks]], embeds and the typed links its " +
    "metadata declares, each with its target path, the target note's id (null until that note exists) and kind.",
  annotations: { title: "Links from a note", ...READ_ONLY },
  input: { ref: noteRef },
  run: ({ vault }, { ref }) => ({ links: vault.notes.links(ref) }),
});

const backlinksTool = defineTool({
  name: "get-backlinks",
  needs: "read",
  description: "The notes that link to a note (by wikilink, embed or typed link), with the kind of link.",
  annotations: { title: "Links to a note", ...READ_ONLY },
  input: { ref: noteRef },
  run: ({ vault }, { ref }) => ({ backlinks: vault.notes.backlinks(ref) }),
});

/** The tools that need only `vault:<name>:read`. */
export const READ_TOOLS = [
  queryNotesTool,
  findPathTool,
  listTagsTool,
  vaultInfoTool,
  linksTool,
  backlinksTool,
];
