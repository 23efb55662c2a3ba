import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "@parachute/module-kit";

/**
 * What an operation writes down before each step, so a boot after a crash can finish or undo it.
 * `kind` says which flow wrote it (and so which one recovers it); the rest is the flow's own.
 */
export interface JournalEntry {
  id: string;
  kind: string;
}

/** Journals in `$PARACHUTE_HOME/operations/<id>/journal.json`, each beside the operation's snapshot. */
export class Journal {
  constructor(readonly dir: string) {}

  /** The operation's own folder (snapshots, backups). */
  folder(id: string): string {
    const dir = join(this.dir, id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  write<E extends JournalEntry>(entry: E): void {
    writeFileAtomic(join(this.folder(entry.id), "journal.json"), `${JSON.stringify(entry)}\n`, 0o600);
  }

  /** Entries of operations that never ended, oldest first; a folder without a journal is debris. */
  pending(): JournalEntry[] {
    if (!existsSync(this.dir)) return [];
    const entries: { entry: JournalEntry; at: number }[] = [];
    for (const id of readdirSync(this.dir)) {
      const file = join(this.dir, id, "journal.json");
      try {
        entries.push({
          entry: JSON.parse(readFileSync(file, "utf8")) as JournalEntry,
          at: statSync(file).mtimeMs,
        });
      } catch {
        rmSync(join(this.dir, id), { recursive: true, force: true });
      }
    }
    return entries.sort((a, b) => a.at - b.at).map((e) => e.entry);
  }

  /** Whether an operation's journal is still there (it ended without finishing or undoing itself). */
  isOpen(id: string): boolean {
    return existsSync(join(this.dir, id, "journal.json"));
  }

  /** The operation ended (either way): its journal and snapshot go. */
  close(id: string): void {
    rmSync(join(this.dir, id), { recursive: true, force: true });
  }
}
