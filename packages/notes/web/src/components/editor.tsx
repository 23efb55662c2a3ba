import type { EditorView } from "@codemirror/view";
import { useEffect, useRef, useState } from "react";
import {
  ApiError,
  attachmentUrl,
  createNote,
  getNote,
  type Note,
  OfflineError,
  updateNote,
  upload,
} from "../api.ts";
import { createCodeEditor, insertAtCursor, setText } from "../code-editor.ts";
import { hasMarkers, mergeBoth } from "../merge.ts";
import { href } from "../router.ts";
import { ConflictView } from "./conflict-view.tsx";
import { nameOf } from "./drop-zone.tsx";
import { MarkdownView } from "./markdown-view.tsx";

type Status =
  | { kind: "loading" }
  | { kind: "saved" }
  | { kind: "dirty" }
  | { kind: "saving" }
  | { kind: "offline" }
  | { kind: "error"; message: string }
  | { kind: "conflict"; theirs: Note };

const AUTOSAVE_MS = 800;

const stamp = () => new Date().toISOString().slice(0, 16).replace("T", " ").replace(":", ".");

/**
 * Writing a note: CodeMirror beside a live preview, saved as you type (and on Ctrl+S). A save carries
 * the version it was based on; when the note changed elsewhere meanwhile, the vault refuses it and
 * both versions are shown to choose from or merge. New notes are created on their first save.
 */
export function Editor(props: { id: string; onSaved(): void } | { folder: string; onSaved(): void }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const note = useRef<{ id: string; path: string; updated_at: string } | null>(null);
  const text = useRef("");
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const saving = useRef<Promise<void> | null>(null);
  const [status, setStatus] = useState<Status>({ kind: "loading" });
  const [path, setPath] = useState(
    "folder" in props ? `${props.folder ? `${props.folder}/` : ""}Untitled ${stamp()}` : "",
  );
  const pathRef = useRef(path);
  pathRef.current = path;
  const [preview, setPreview] = useState("");
  const [tab, setTab] = useState<"write" | "preview">("write");
  const [upload_, setUpload] = useState<string | null>(null);
  const statusRef = useRef(status);
  statusRef.current = status;
  // Set at once too, so a save that starts before the next render sees what the last one did.
  const settle = (next: Status) => {
    statusRef.current = next;
    setStatus(next);
  };

  const save = async (): Promise<void> => {
    if (timer.current) clearTimeout(timer.current);
    if (saving.current) await saving.current;
    const s = statusRef.current.kind;
    if (s === "conflict" || s === "loading" || (s === "saved" && note.current?.path === pathRef.current))
      return;
    saving.current = (async () => {
      settle({ kind: "saving" });
      try {
        const current = note.current;
        const saved = current
          ? await updateNote(current.id, {
              content: text.current,
              ...(pathRef.current.trim() !== current.path ? { path: pathRef.current } : {}),
              if_updated_at: current.updated_at,
            })
          : await createNote({ path: pathRef.current, content: text.current });
        const unchanged = saved.content === text.current;
        note.current = { id: saved.id, path: saved.path, updated_at: saved.updated_at };
        if (!current) history.replaceState(null, "", href.edit(saved.id));
        setPath(saved.path);
        pathRef.current = saved.path;
        settle(unchanged ? { kind: "saved" } : { kind: "dirty" });
        props.onSaved();
      } catch (err) {
        if (err instanceof ApiError && err.code === "conflict" && note.current) {
          settle({ kind: "conflict", theirs: await getNote(note.current.id) });
        } else if (err instanceof OfflineError) {
          settle({ kind: "offline" });
        } else {
          settle({ kind: "error", message: (err as Error).message });
        }
      } finally {
        saving.current = null;
      }
    })();
    await saving.current;
  };
  const saveRef = useRef(save);
  saveRef.current = save;

  const attach = async (files: File[]) => {
    if (!note.current) await saveRef.current();
    const id = note.current?.id;
    if (!id) return;
    for (const file of files) {
      setUpload(`Attaching ${nameOf(file)}…`);
      try {
        const a = await upload(id, nameOf(file), file);
        const link = `${a.mime.startsWith("image/") ? "!" : ""}[${a.name}](${attachmentUrl(a.id)})`;
        if (view.current) insertAtCursor(view.current, link);
        setUpload(null);
      } catch (err) {
        setUpload(`${nameOf(file)} was not attached: ${(err as Error).message}`);
        return;
      }
    }
  };
  const attachRef = useRef(attach);
  attachRef.current = attach;

  // Load (or start a draft), then mount CodeMirror once.
  const id = "id" in props ? props.id : null;
  useEffect(() => {
    let live = true;
    const mount = (initial: string) => {
      text.current = initial;
      setPreview(initial);
      if (!host.current) return;
      view.current = createCodeEditor(host.current, initial, {
        onChange: (t) => {
          text.current = t;
          setPreview(t);
          setStatus({ kind: "dirty" });
          if (timer.current) clearTimeout(timer.current);
          if (!hasMarkers(t)) timer.current = setTimeout(() => void saveRef.current(), AUTOSAVE_MS);
        },
        onSave: () => void saveRef.current(),
        onFiles: (files) => void attachRef.current(files),
      });
      view.current.focus();
    };
    if (id === null) {
      setStatus({ kind: "dirty" });
      mount("");
    } else {
      getNote(id).then(
        (n) => {
          if (!live) return;
          note.current = { id: n.id, path: n.path, updated_at: n.updated_at };
          setPath(n.path);
          setStatus({ kind: "saved" });
          mount(n.content);
        },
        (err) => live && setStatus({ kind: "error", message: (err as Error).message }),
      );
    }
    return () => {
      live = false;
      // Leaving with unsaved words: save them on the way out.
      if (statusRef.current.kind === "dirty" && (note.current || text.current.trim())) void saveRef.current();
      view.current?.destroy();
      view.current = null;
    };
  }, [id]);

  useEffect(() => {
    const retry = () => statusRef.current.kind === "offline" && void saveRef.current();
    const warn = (e: BeforeUnloadEvent) => {
      if (["dirty", "saving", "offline"].includes(statusRef.current.kind)) e.preventDefault();
    };
    addEventListener("online", retry);
    addEventListener("beforeunload", warn);
    return () => {
      removeEventListener("online", retry);
      removeEventListener("beforeunload", warn);
    };
  }, []);

  const resolveConflict = (choice: "mine" | "theirs" | "merge") => {
    if (status.kind !== "conflict" || !note.current) return;
    const theirs = status.theirs;
    note.current = { ...note.current, updated_at: theirs.updated_at, path: theirs.path };
    if (choice === "mine") {
      setStatus({ kind: "dirty" });
      statusRef.current = { kind: "dirty" };
      void save();
      return;
    }
    const next = choice === "theirs" ? theirs.content : mergeBoth(text.current, theirs.content);
    if (view.current) {
      setText(view.current, next);
      view.current.focus();
    }
    text.current = next;
    setStatus(choice === "theirs" ? { kind: "saved" } : { kind: "dirty" });
    if (choice === "theirs") {
      statusRef.current = { kind: "saved" };
      if (timer.current) clearTimeout(timer.current);
    }
  };

  const markers = hasMarkers(preview);
  return (
    <div className="editor">
      <div className="editor-bar">
        <a
          className="button ghost back"
          href={note.current ? href.note(note.current.id) : href.list()}
          aria-label="Done"
        >
          ←
        </a>
        <label htmlFor="note-path" className="visually-hidden">
          Note path
        </label>
        <input
          id="note-path"
          className="path-input"
          value={path}
          onChange={(e) => {
            setPath(e.target.value);
            setStatus({ kind: "dirty" });
          }}
          onBlur={() => void save()}
          onKeyDown={(e) => {
            // A rename is saved on Enter, on Ctrl+S as in the text, or on leaving the field.
            if (e.key === "Enter" || (e.key === "s" && (e.ctrlKey || e.metaKey))) {
              e.preventDefault();
              void save();
            }
          }}
        />
        <SaveState status={status} markers={markers} />
        <button type="button" className="primary" onClick={() => void save()} title="Save (Ctrl+S)">
          Save
        </button>
        {note.current && (
          <a className="button" href={href.note(note.current.id)}>
            Done
          </a>
        )}
      </div>
      {upload_ && (
        <p className="notice" role="status">
          {upload_}
        </p>
      )}
      {markers && status.kind !== "conflict" && (
        <p className="notice warning" role="status">
          Both versions are in the text between the marker lines. Keep what you want, delete the markers, then
          save (Ctrl+S).
        </p>
      )}
      {status.kind === "conflict" && (
        <ConflictView mine={text.current} theirs={status.theirs} onChoose={resolveConflict} />
      )}
      <div className="tabs" role="tablist" aria-label="Editor view">
        <button type="button" role="tab" aria-selected={tab === "write"} onClick={() => setTab("write")}>
          Write
        </button>
        <button type="button" role="tab" aria-selected={tab === "preview"} onClick={() => setTab("preview")}>
          Preview
        </button>
      </div>
      <div className={`editor-panes show-${tab}`}>
        <div className="code" ref={host} />
        <section className="preview" aria-label="Preview">
          {preview.trim() ? (
            <MarkdownView source={preview} />
          ) : (
            <p className="muted">The preview shows here as you write.</p>
          )}
        </section>
      </div>
    </div>
  );
}

function SaveState({ status, markers }: { status: Status; markers: boolean }) {
  const text = {
    loading: "Loading…",
    saved: "Saved",
    dirty: markers ? "Not saved" : "Editing…",
    saving: "Saving…",
    offline: "Offline: will save when back online",
    error: status.kind === "error" ? status.message : "",
    conflict: "Changed elsewhere",
  }[status.kind];
  return (
    <span className={`save-state ${status.kind}`} role="status" aria-live="polite">
      {text}
    </span>
  );
}
