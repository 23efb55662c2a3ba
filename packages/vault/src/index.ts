export { VaultError } from "./core/errors.ts";
export { joinFrontmatter, splitFrontmatter } from "./core/frontmatter.ts";
export { type NewNote, type Note, type NotePatch, NoteStore } from "./core/notes.ts";
export { normaliseNotePath, pathKey } from "./core/paths.ts";
export { type NoteQuery, queryNotes } from "./core/query.ts";
export { deleteTag, listTags, renameTag } from "./core/tag-ops.ts";
export { exportFolder, importFolder } from "./core/transfer.ts";
export { type Vault, VaultSet, vaultStats } from "./core/vaults.ts";
export { parseWikiLinks, rewriteWikiLinks } from "./core/wikilinks.ts";
