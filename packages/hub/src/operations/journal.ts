import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { type ServiceRow, writeFileAtomic } from "@parachute/module-kit";

/**
 * What an operation that changes the installed set writes down before each step, so a boot after a
 * crash can finish it or undo it. `phase` is the step under way.
 */
export type JournalEntry =
  | {
      id: string;
      kind: "install";
      phase: "fetching";
      /** The package folder the install creates, once known. */
      dir?: string;
      /** Whether that folder was there before (then it is not the install's to remove). */
      existed?: boolean;
    }
  | {
      id: string;
      kind: "upgrade";
      phase: "backing-up" | "installing" | "starting" | "rolling-back";
      module: string;
      from: ServiceRow;
      package: string;
    }
  | { id: string; kind: "uninstall"; phase: "removing"; module: string; row: ServiceRow; purge: boolean };

/** Journals in `$PARACHUTE_HOME/operations/<id>/journal.json`, each beside the operation's snapshot. */
export class Journal {
  constructor(readonly dir: string) {}

  /** The operation's own folder (snapshot of the modules project, backups). */
  folder(id: string): string {
    const dir = join(this.dir, id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  write(entry: JournalEntry): void {
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
