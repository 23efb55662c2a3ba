import type { Database } from "bun:sqlite";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { AttachmentStore } from "./attachments.ts";
import { invalid, VaultError } from "./errors.ts";
import { NoteStore } from "./notes.ts";
import { FIRST_RETRY_MS, Transcriptions } from "./transcriptions.ts";
import { openVaultDb } from "./vault-db.ts";
import { VaultTokens } from "./vault-tokens.ts";

const VAULT_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

export interface Vault {
  name: string;
  db: Database;
  notes: NoteStore;
  attachments: AttachmentStore;
  tokens: VaultTokens;
  transcriptions: Transcriptions;
  dir: string;
}

/**
 * The named vaults under one data folder (`<dataDir>/<name>/vault.db`), opened on first use and kept
 * open; `default` always exists.
 */
export class VaultSet {
  private readonly open = new Map<string, Vault>();

  constructor(
    private readonly dataDir: string,
    private readonly now: () => number,
    /** The first wait after a failed transcription try (`VAULT_TRANSCRIPTION_RETRY_MS`). */
    private readonly firstRetryMs = FIRST_RETRY_MS,
  ) {
    this.create("default");
  }

  names(): string[] {
    if (!existsSync(this.dataDir)) return [];
    return readdirSync(this.dataDir)
      .filter((d) => VAULT_NAME.test(d) && existsSync(join(this.dataDir, d, "vault.db")))
      .sort();
  }

  /** An existing vault, or a not_found error. */
  get(name: string): Vault {
    if (!VAULT_NAME.test(name)) throw invalid("invalid_vault", `"${name}" is not a vault name`);
    const cached = this.open.get(name);
    if (cached) return cached;
    if (!existsSync(join(this.dataDir, name, "vault.db")))
      throw new VaultError(
        "not_found",
        "no_vault",
        `no vault named ${name} (there are: ${this.names().join(", ")})`,
      );
    return this.openVault(name);
  }

  create(name: string): Vault {
    if (!VAULT_NAME.test(name)) throw invalid("invalid_vault", `"${name}" is not a vault name`);
    return this.open.get(name) ?? this.openVault(name);
  }

  close(): void {
    for (const v of this.open.values()) v.db.close();
    this.open.clear();
  }

  private openVault(name: string): Vault {
    const dir = join(this.dataDir, name);
    const db = openVaultDb(join(dir, "vault.db"));
    const attachments = new AttachmentStore(db, dir, this.now);
    attachments.sweep();
    const notes = new NoteStore(db, this.now);
    const vault = {
      name,
      db,
      notes,
      attachments,
      tokens: new VaultTokens(db, this.now),
      transcriptions: new Transcriptions(db, notes, attachments, this.now, this.firstRetryMs),
      dir,
    };
    this.open.set(name, vault);
    return vault;
  }
}

/** Counts for `vault-info` and the stats endpoint. */
export function vaultStats(v: Vault) {
  const one = (sql: string) => (v.db.query(sql).get() as { n: number }).n;
  return {
    name: v.name,
    notes: one("SELECT count(*) AS n FROM notes"),
    tags: one("SELECT count(DISTINCT tag) AS n FROM tags"),
    links: one("SELECT count(*) AS n FROM links"),
    unresolved_links: one("SELECT count(*) AS n FROM links WHERE target_id IS NULL"),
  };
}
