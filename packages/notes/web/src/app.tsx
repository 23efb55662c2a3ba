import { lazy, Suspense, useCallback, useEffect, useRef, useState } from "react";
import { ApiError, OfflineError, startSession } from "./api.ts";
import { flush, onQueueChange, pending } from "./capture-queue.ts";
import { CapturePanel } from "./components/capture.tsx";
import { ErrorBoundary } from "./components/error-boundary.tsx";
import { type ListFilter, NoteList } from "./components/note-list.tsx";
import { NoteView } from "./components/note-view.tsx";
import { OpenLink } from "./components/open-link.tsx";
import { Sidebar } from "./components/sidebar.tsx";
import { TopBar } from "./components/top-bar.tsx";
import { go, href, useRoute } from "./router.ts";
import { useShortcuts } from "./shortcuts.ts";

// The editor (CodeMirror) loads when first needed, so the list opens without it.
const Editor = lazy(() => import("./components/editor.tsx").then((m) => ({ default: m.Editor })));

type SessionState =
  | { state: "loading" }
  | { state: "ready"; user: string }
  | { state: "offline" }
  | { state: "error"; message: string };

/** The notes app: top bar, sidebar (folders and tags), the list, and the screen the address names. */
export function App() {
  const route = useRoute();
  const [session, setSession] = useState<SessionState>({ state: "loading" });
  const [filter, setFilter] = useState<ListFilter>({ search: "", tags: [], folder: "" });
  const [version, setVersion] = useState(0);
  const [drawer, setDrawer] = useState(false);
  const [queued, setQueued] = useState(0);
  const search = useRef<HTMLInputElement>(null);
  const refresh = useCallback(() => setVersion((v) => v + 1), []);

  // Opened offline, the app starts without a session and tries again when the network is back.
  useEffect(() => {
    const start = () =>
      startSession()
        .then(({ user }) => {
          offline = false;
          setSession({ state: "ready", user });
          void flush();
        })
        .catch((err) => {
          offline = err instanceof OfflineError;
          if (offline) setSession({ state: "offline" });
          else if (!(err instanceof ApiError && err.status === 401))
            setSession({ state: "error", message: err instanceof Error ? err.message : String(err) });
        });
    void start();
    let offline = false;
    const retry = () => {
      if (offline) void start();
    };
    addEventListener("online", retry);
    return () => removeEventListener("online", retry);
  }, []);

  useEffect(() => {
    const count = () => void pending().then((p) => setQueued(p.filter((c) => !c.error).length));
    count();
    const off = onQueueChange(() => {
      count();
      refresh();
    });
    return () => {
      off();
    };
  }, [refresh]);

  useShortcuts({
    newNote: () => go(href.create(filter.folder)),
    search: () => search.current?.focus(),
    capture: () => go(href.capture()),
  });

  const detail = route.view !== "list";
  return (
    <div className={`app${detail ? " has-detail" : ""}${drawer ? " drawer-open" : ""}`}>
      <TopBar
        user={session.state === "ready" ? session.user : null}
        search={filter.search}
        onSearch={(s) => setFilter((f) => ({ ...f, search: s }))}
        searchRef={search}
        onBrowse={() => setDrawer((d) => !d)}
        newHref={href.create(filter.folder)}
        queued={queued}
      />
      {session.state === "offline" && (
        <p className="banner warning" role="status">
          You are offline. Captures are kept on this device and sent when you are back online.
        </p>
      )}
      {session.state === "error" && (
        <p className="banner error" role="alert">
          {session.message}
        </p>
      )}
      <div className="panes">
        <Sidebar
          filter={filter}
          version={version}
          user={session.state === "ready" ? session.user : null}
          onChange={(f) => {
            setFilter(f);
            setDrawer(false);
            if (detail) go(href.list());
          }}
        />
        <section className="list-pane" aria-label="Notes">
          {session.state === "ready" && (
            <NoteList
              filter={filter}
              version={version}
              selected={"id" in route ? route.id : null}
              onFilter={setFilter}
            />
          )}
          {session.state === "loading" && <p className="empty">Loading…</p>}
          {session.state === "offline" && (
            <div className="empty">
              <p>Your notes are not reachable offline.</p>
              <a className="button primary" href={href.capture()}>
                Capture a note
              </a>
            </div>
          )}
        </section>
        <main className="detail-pane">
          <ErrorBoundary resetKey={location.hash}>
            {route.view === "note" && <NoteView id={route.id} version={version} onChanged={refresh} />}
            <Suspense fallback={<p className="empty">Opening the editor…</p>}>
              {route.view === "edit" && <Editor key={route.id} id={route.id} onSaved={refresh} />}
              {route.view === "new" && (
                <Editor key={`new:${route.folder}:${route.visit}`} folder={route.folder} onSaved={refresh} />
              )}
            </Suspense>
            {route.view === "open" && <OpenLink target={route.target} />}
            {route.view === "capture" && <CapturePanel online={session.state === "ready"} />}
            {route.view === "list" && (
              <div className="empty detail-empty">
                <p>Pick a note, or start a new one.</p>
                <p className="muted">
                  <kbd>n</kbd> new note · <kbd>/</kbd> search · <kbd>c</kbd> capture · <kbd>Ctrl</kbd>+
                  <kbd>S</kbd> save
                </p>
              </div>
            )}
          </ErrorBoundary>
        </main>
      </div>
    </div>
  );
}
