import { z } from "zod";
import { deleteTag, renameTag } from "../core/tag-ops.ts";
import { defineTool } from "./tool.ts";

const WRITES = { readOnlyHint: false, openWorldHint: false } as const;
const ref = z.string().min(1).describe("The note's id or path");
const tags = (what: string) => z.array(z.string()).max(100).optional().describe(what);
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const flat = z.union([scalar, z.array(scalar)]);
/**
 * Metadata through MCP: values are scalars, lists of them, or one level of objects of those (such as
 * typed `links`); every schema node says what it accepts. Deeper structures go through REST.
 */
const metadata = z.record(z.string(), z.union([flat, z.record(z.string(), flat)]));

const createNote = defineTool({
  name: "create-note",
  needs: "write",
  description:
    "Create a note at a new path (unique, case-insensitive; folders are path segments like " +
    '"journal/2024-05-01"). Content is markdown; [[wikilinks]] to other notes are tracked.',
  annotations: { title: "Create a note", ...WRITES, destructiveHint: false, idempotentHint: false },
  input: {
    path: z.string().min(1).max(512).describe("Where the note lives; a trailing .md is dropped"),
    content: z.string().optional().describe("Markdown body"),
    metadata: metadata.optional().describe("Any JSON object of properties"),
    tags: tags("Tags, without the #"),
  },
  run: ({ vault }, note) => ({ ...vault.notes.create(note) }),
});

const updateNote = defineTool({
  name: "update-note",
  needs: "write",
  description:
    "Change a note in one step: replace, append to or prepend to its content, replace one exact " +
    "passage (edit), move it to a new path (links to it are rewritten), merge metadata (null removes " +
    "a key), add or remove tags. Pass if_updated_at from your last read to refuse a change made since.",
  annotations: { title: "Update a note", ...WRITES, destructiveHint: true, idempotentHint: false },
  input: {
    ref,
    path: z.string().min(1).max(512).optional().describe("Move the note to this path"),
    content: z.string().optional().describe("Replace the whole content"),
    append: z.string().optional(),
    prepend: z.string().optional(),
    edit: z
      .object({ old: z.string().min(1), new: z.string() })
      .strict()
      .optional()
      .describe("Replace the one occurrence of old text with new text"),
    metadata: metadata.optional().describe("Merged into the note's metadata"),
    tags_add: tags("Tags to add"),
    tags_remove: tags("Tags to remove"),
    if_updated_at: z.string().optional().describe("The updated_at you last saw; a mismatch is a conflict"),
  },
  run: ({ vault }, { ref, ...patch }) => ({ ...vault.notes.update(ref, patch) }),
});

const deleteNote = defineTool({
  name: "delete-note",
  needs: "write",
  description: "Delete a note by id or path. Links to it from other notes stay, unresolved.",
  annotations: { title: "Delete a note", ...WRITES, destructiveHint: true, idempotentHint: true },
  input: { ref },
  run: ({ vault }, { ref }) => {
    const { id, path } = vault.notes.get(ref);
    vault.notes.delete(id);
    return { deleted: true, id, path };
  },
});

const updateTag = defineTool({
  name: "update-tag",
  needs: "write",
  description: "Rename a tag on every note that carries it. Renaming onto an existing tag merges the two.",
  annotations: { title: "Rename or merge a tag", ...WRITES, destructiveHint: true, idempotentHint: true },
  input: { from: z.string().min(1), to: z.string().min(1) },
  run: ({ vault }, { from, to }) => ({ renamed: renameTag(vault.db, from, to) }),
});

const deleteTagTool = defineTool({
  name: "delete-tag",
  needs: "write",
  description: "Remove a tag from every note; the notes themselves stay.",
  annotations: { title: "Delete a tag", ...WRITES, destructiveHint: true, idempotentHint: false },
  input: { tag: z.string().min(1) },
  run: ({ vault }, { tag }) => ({ deleted: deleteTag(vault.db, tag) }),
});

/** The tools that need `vault:<name>:write`. */
export const WRITE_TOOLS = [createNote, updateNote, deleteNote, updateTag, deleteTagTool];
