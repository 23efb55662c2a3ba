import { type ReactElement, useEffect, useState } from "react";
import { ApiError, listNotes, type NotePreview } from "../api.ts";
import { href } from "../router.ts";
import { timeAgo } from "../time.ts";

export interface ListFilter {
  search: string;
  tags: string[];
  folder: string;
}

const PAGE = 50;

interface Props {
  filter: ListFilter;
  version: number;
  selected: string | null;
  onFilter(f: ListFilter): void;
}

/** One page of notes at a time (newest first, or by relevance when searching), with more on demand. */
export function NoteList({ filter, version, selected, onFilter }: Props) {
  const [notes, setNotes] = useState<NotePreview[] | null>(null);
  const [next, setNext] = useState<{ cursor?: string; offset?: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [shown, setShown] = useState<ListFilter | null>(null);

  // A newer filter (the next keystroke) cancels the request still under way for the last one.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the signal to load again
  useEffect(() => {
    const abort = new AbortController();
    const live = () => !abort.signal.aborted;
    setError(null);
    listNotes({ ...filter, limit: PAGE }, abort.signal)
      .then((page) => {
        if (!live()) return;
        setNotes(page.notes);
        setShown(filter);
        setNext(nextOf(page, filter, PAGE));
      })
      .catch((err) => {
        if (!live()) return;
        setNotes([]);
        setNext(null);
        setError(describe(err));
      });
    return () => abort.abort();
  }, [filter, version]);

  const more = async () => {
    if (!next || !notes) return;
    setLoadingMore(true);
    try {
      const page = await listNotes({ ...filter, ...next, limit: PAGE });
      setNotes([...notes, ...page.notes]);
      setNext(nextOf(page, filter, notes.length + PAGE));
    } catch (err) {
      setError(describe(err));
    } finally {
      setLoadingMore(false);
    }
  };

  const narrowed = filter.search || filter.tags.length || filter.folder;
  return (
    <div className="note-list" data-shown-search={shown?.search ?? ""}>
      {narrowed ? (
        <fieldset className="filters" aria-label="Active filters">
          {filter.folder && (
            <button type="button" className="chip active" onClick={() => onFilter({ ...filter, folder: "" })}>
              in {filter.folder} ✕
            </button>
          )}
          {filter.tags.map((t) => (
            <button
              type="button"
              key={t}
              className="chip active"
              onClick={() => onFilter({ ...filter, tags: filter.tags.filter((x) => x !== t) })}
            >
              #{t} ✕
            </button>
          ))}
          {filter.search && (
            <button type="button" className="chip active" onClick={() => onFilter({ ...filter, search: "" })}>
              {/"/.test(filter.search) ? filter.search : `“${filter.search}”`} ✕
            </button>
          )}
        </fieldset>
      ) : null}
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {!error && notes !== null && shown !== filter && (
        <p className="notice" role="status">
          Searching…
        </p>
      )}
      {notes === null ? (
        <p className="empty">Loading notes…</p>
      ) : notes.length === 0 && !error ? (
        <div className="empty">
          {narrowed ? (
            <p>No notes match.</p>
          ) : (
            <>
              <p>No notes yet.</p>
              <a className="button primary" href={href.create()}>
                Write your first note
              </a>
            </>
          )}
        </div>
      ) : (
        <ul className="notes" aria-live="polite">
          {notes.map((n) => (
            <li key={n.id}>
              <a className={`note-item${selected === n.id ? " selected" : ""}`} href={href.note(n.id)}>
                <span className="note-title">{n.title}</span>
                <span className="note-snippet">
                  {n.snippet.text ? <Marked {...n.snippet} /> : <em className="muted">Empty note</em>}
                </span>
                <span className="note-meta">
                  {n.path.includes("/") && (
                    <span className="folder">{n.path.slice(0, n.path.lastIndexOf("/"))}</span>
                  )}
                  <time dateTime={n.updated_at}>{timeAgo(n.updated_at)}</time>
                  {n.tags.slice(0, 3).map((t) => (
                    <span key={t} className="tag">
                      #{t}
                    </span>
                  ))}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {next && (
        <button type="button" className="more" onClick={more} disabled={loadingMore}>
          {loadingMore ? "Loading…" : "Show more"}
        </button>
      )}
    </div>
  );
}

/** Where the next page starts: the cursor for dated lists, the offset for search (ranked) lists. */
function nextOf(
  page: { notes: NotePreview[]; next_cursor: string | null },
  filter: ListFilter,
  offset: number,
): { cursor?: string; offset?: number } | null {
  if (page.next_cursor) return { cursor: page.next_cursor };
  if (filter.search && page.notes.length === PAGE) return { offset };
  return null;
}

function describe(err: unknown): string {
  if (err instanceof ApiError && err.code === "invalid_search")
    return "That search could not be read. Put quotes around words with special characters.";
  return err instanceof Error ? err.message : String(err);
}

/** A snippet with the words the search matched marked (ranges from the vault; text, never HTML). */
function Marked({ text, highlights }: NotePreview["snippet"]) {
  const parts: ReactElement[] = [];
  let at = 0;
  for (const [from, to] of highlights) {
    if (from < at || to > text.length) continue;
    if (from > at) parts.push(<span key={`t${at}`}>{text.slice(at, from)}</span>);
    parts.push(<mark key={`m${from}`}>{text.slice(from, to)}</mark>);
    at = to;
  }
  if (at < text.length) parts.push(<span key={`t${at}`}>{text.slice(at)}</span>);
  return <>{parts}</>;
}
