import type { Journal, JournalEntry } from "./journal.ts";

/** Finishes or undoes one interrupted operation of its kind; returns a line for the hub's log. */
export type Recoverer = (entry: JournalEntry) => Promise<string>;

/**
 * Runs at boot, before any module starts: every operation whose journal is still there was cut
 * short by a crash, and the flow that wrote it finishes or undoes it. An entry no flow claims is
 * left in place and reported, never guessed at.
 */
export async function recoverPending(
  journal: Journal,
  recoverers: Record<string, Recoverer>,
): Promise<string[]> {
  const done: string[] = [];
  for (const entry of journal.pending()) {
    const recover = recoverers[entry.kind];
    if (!recover) {
      done.push(`left operation ${entry.id} alone: no flow recovers a "${entry.kind}"`);
      continue;
    }
    done.push(await recover(entry));
    journal.close(entry.id);
  }
  return done;
}
