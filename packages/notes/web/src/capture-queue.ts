/**
 * Quick captures, queued in IndexedDB before anything is sent, so a capture made offline (or while
 * the hub restarts) is kept across reloads and sent when the connection is back. Each capture
 * carries an id stored in its note's metadata: a retry after an answer that never arrived finds the
 * note it already made instead of making a second one.
 */
import { createStore, del, get, set, values } from "idb-keyval";
import { ApiError, attachments, createNote, getNote, OfflineError, upload } from "./api.ts";

export interface Capture {
  id: string;
  kind: "text" | "voice";
  text: string;
  audio?: Blob;
  audioName?: string;
  path: string;
  createdAt: string;
  noteId?: string;
  /** Why the vault refused it (kept, shown, never dropped silently). */
  error?: string;
}

const store = createStore("parachute-notes", "captures");
const listeners = new Set<() => void>();

/** Calls `fn` whenever the queue changes; returns the unsubscribe function. */
export function onQueueChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
const changed = () => {
  for (const fn of listeners) fn();
};

/** Captures not yet in the vault, oldest first. */
export async function pending(): Promise<Capture[]> {
  return ((await values(store)) as Capture[]).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

const stamp = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")} ${String(d.getHours()).padStart(2, "0")}.${String(d.getMinutes()).padStart(2, "0")}`;

/** The path a capture is filed under: its first words for text, the time for voice. */
function capturePath(kind: Capture["kind"], text: string, at: Date): string {
  const first = text
    .split("\n")[0]!
    .replace(/[/\\#[\]|]/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 60)
    .trim();
  return kind === "voice" || !first
    ? `Inbox/${kind === "voice" ? "Voice note" : "Capture"} ${stamp(at)}`
    : `Inbox/${first}`;
}

/** Queues a capture (kept in IndexedDB first), then tries to send the queue. */
export async function capture(
  input: { text: string } | { audio: Blob; audioName: string },
): Promise<Capture> {
  const at = new Date();
  const voice = "audio" in input;
  const item: Capture = {
    id: crypto.randomUUID(),
    kind: voice ? "voice" : "text",
    text: voice ? "" : input.text,
    ...(voice ? { audio: input.audio, audioName: input.audioName } : {}),
    path: capturePath(voice ? "voice" : "text", voice ? "" : input.text, at),
    createdAt: at.toISOString(),
  };
  await set(item.id, item, store);
  changed();
  void flush();
  return item;
}

/** Forgets a capture the vault refused, at the person's word. */
export async function discard(id: string): Promise<void> {
  await del(id, store);
  changed();
}

let flushing: Promise<void> | null = null;

/**
 * Sends every queued capture, oldest first; stops at the first sign of being offline. One tab sends
 * at a time (a Web Lock), so two open tabs never send the same capture at once.
 */
export function flush(): Promise<void> {
  flushing ??= (async () => {
    try {
      const run = async () => {
        for (const item of await pending()) {
          if (item.error) continue;
          try {
            await send(item);
          } catch (err) {
            if (err instanceof OfflineError) return;
            if (err instanceof ApiError && err.status >= 500) return;
            await set(item.id, { ...item, error: err instanceof Error ? err.message : String(err) }, store);
            changed();
          }
        }
      };
      if (navigator.locks) await navigator.locks.request("parachute-notes-captures", run);
      else await run();
    } finally {
      flushing = null;
    }
  })();
  return flushing;
}

async function send(item: Capture): Promise<void> {
  const fresh = (await get(item.id, store)) as Capture | undefined;
  if (!fresh) return; // sent by another tab meanwhile
  const noteId = fresh.noteId ?? (await makeNote(fresh));
  if (!fresh.noteId) await set(item.id, { ...fresh, noteId }, store);
  if (fresh.kind === "voice" && fresh.audio && fresh.audioName) {
    const already = (await attachments(noteId)).some((a) => a.name === fresh.audioName);
    if (!already) await upload(noteId, fresh.audioName, fresh.audio, true);
  }
  await del(item.id, store);
  changed();
}

/** Creates the capture's note, or finds the one an earlier try made; a path taken by another note gets a suffix. */
async function makeNote(item: Capture): Promise<string> {
  for (let n = 1; n <= 50; n++) {
    const path = n === 1 ? item.path : `${item.path} (${n})`;
    try {
      const note = await createNote({
        path,
        content: item.text ? `${item.text.trim()}\n` : "",
        tags: [item.kind === "voice" ? "voice" : "capture"],
        metadata: { capture_id: item.id },
      });
      return note.id;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === "path_taken")) throw err;
      const existing = await getNote(path);
      if (existing.metadata.capture_id === item.id) return existing.id;
    }
  }
  throw new ApiError(409, "path_taken", `Every name like "${item.path}" is taken.`);
}
