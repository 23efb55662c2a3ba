import { useCallback, useEffect, useRef, useState } from "react";
import {
  ApiError,
  type Attachment,
  type Backlink,
  deleteNote,
  getNote,
  type Link,
  attachments as listAttachments,
  backlinks as listBacklinks,
  links as listLinks,
  type Note,
  updateNote,
} from "../api.ts";
import { noteTitle } from "../markdown.ts";
import { go, href } from "../router.ts";
import { timeAgo } from "../time.ts";
import { Attachments } from "./attachments.tsx";
import { DropZone } from "./drop-zone.tsx";
import { MarkdownView } from "./markdown-view.tsx";
import { TagEditor } from "./tag-editor.tsx";

/** Whether the note opens with its own title (a `# heading`), which then stands as the page's title. */
function startsWithHeading(content: string): boolean {
  return /^#\s+\S/.test(content.replace(/^---\n[\s\S]*?\n---\n/, "").trimStart());
}

interface Loaded {
  note: Note;
  links: Link[];
  backlinks: Backlink[];
  attachments: Attachment[];
}

/** A note read: rendered markdown with live wikilinks, its tags, attachments and backlinks. */
export function NoteView({ id, version, onChanged }: { id: string; version: number; onChanged(): void }) {
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);

  const load = useCallback(async () => {
    try {
      const note = await getNote(id);
      const [links, backlinks, attachments] = await Promise.all([
        listLinks(note.id),
        listBacklinks(note.id),
        listAttachments(note.id),
      ]);
      setData({ note, links, backlinks, attachments });
      setError(null);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 404
          ? "This note does not exist (any more)."
          : String((err as Error).message),
      );
    }
  }, [id]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a different note starts from a blank screen
  useEffect(() => {
    setData(null);
    setConfirming(false);
  }, [id]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the signal to load again
  useEffect(() => {
    void load();
  }, [load, version]);

  // A voice note's transcript arrives later: look again until it is there.
  const waiting = data?.note.metadata.transcription === "pending";
  const waited = useRef(false);
  useEffect(() => {
    if (waited.current && !waiting) onChanged();
    waited.current = waiting;
  }, [waiting, onChanged]);
  useEffect(() => {
    if (!waiting) return;
    const t = setInterval(() => void load(), 2000);
    return () => clearInterval(t);
  }, [waiting, load]);

  if (error)
    return (
      <div className="empty">
        <p>{error}</p>
        <a className="button" href={href.list()}>
          Back to notes
        </a>
      </div>
    );
  if (!data) return <p className="empty">Loading…</p>;
  const { note } = data;
  const resolved = new Map(data.links.filter((l) => l.id).map((l) => [l.target.toLowerCase(), l.id!]));
  const failed = note.metadata.transcription === "failed";

  return (
    <DropZone noteId={note.id} onUploaded={() => void load()}>
      <article className="note-view">
        <div className="note-head">
          <a className="button ghost back" href={href.list()} aria-label="Back to the list">
            ←
          </a>
          <div className="note-heading">
            {!startsWithHeading(note.content) && <h1>{noteTitle(note)}</h1>}
            <p className="muted small">
              {note.path} · edited {timeAgo(note.updated_at)}
            </p>
          </div>
          <div className="actions">
            <a className="button primary" href={href.edit(note.id)}>
              Edit
            </a>
            {confirming ? (
              <>
                <button
                  type="button"
                  className="danger"
                  onClick={async () => {
                    await deleteNote(note.id);
                    onChanged();
                    go(href.list(), true);
                  }}
                >
                  Delete for good
                </button>
                <button type="button" onClick={() => setConfirming(false)}>
                  Keep
                </button>
              </>
            ) : (
              <button type="button" className="ghost" onClick={() => setConfirming(true)}>
                Delete
              </button>
            )}
          </div>
        </div>
        <TagEditor
          tags={note.tags}
          onAdd={async (t) => {
            await updateNote(note.id, { tags_add: [t] });
            await load();
            onChanged();
          }}
          onRemove={async (t) => {
            await updateNote(note.id, { tags_remove: [t] });
            await load();
            onChanged();
          }}
        />
        {waiting && (
          <p className="notice" role="status">
            Transcribing your recording… the text appears here when it is ready.
          </p>
        )}
        {failed && (
          <p className="notice error" role="alert">
            The recording could not be transcribed:{" "}
            {String(note.metadata.transcription_error ?? "no reason given")}
          </p>
        )}
        {note.content.trim() ? (
          <MarkdownView
            source={note.content}
            resolve={(target) => resolved.get(target.toLowerCase()) ?? null}
          />
        ) : (
          <p className="muted">
            This note is empty. <a href={href.edit(note.id)}>Write something</a>.
          </p>
        )}
        <Attachments list={data.attachments} />
        <section className="backlinks" aria-label="Backlinks">
          <h2>Linked from</h2>
          {data.backlinks.length === 0 ? (
            <p className="muted small">
              No note links here yet. Link to it with [[{note.path.split("/").pop()}]].
            </p>
          ) : (
            <ul>
              {data.backlinks.map((b) => (
                <li key={b.id}>
                  <a href={href.note(b.id)}>{b.path.split("/").pop()}</a>
                  {b.path.includes("/") && (
                    <span className="muted small"> in {b.path.slice(0, b.path.lastIndexOf("/"))}</span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      </article>
    </DropZone>
  );
}
