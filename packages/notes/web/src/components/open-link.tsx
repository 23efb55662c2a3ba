import { useEffect, useState } from "react";
import { ApiError, createNote, getNote } from "../api.ts";
import { go, href } from "../router.ts";

/** Follows a wikilink by path: opens the note, or offers to create it when there is none yet. */
export function OpenLink({ target }: { target: string }) {
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setMissing(false);
    getNote(target).then(
      (n) => go(href.note(n.id), true),
      (err) => {
        if (err instanceof ApiError && err.status === 404) setMissing(true);
        else setError((err as Error).message);
      },
    );
  }, [target]);
  if (error) return <p className="notice error">{error}</p>;
  if (!missing) return <p className="empty">Opening {target}…</p>;
  return (
    <div className="empty">
      <p>
        There is no note called <strong>{target}</strong> yet.
      </p>
      <button
        type="button"
        className="primary"
        onClick={async () => {
          try {
            const n = await createNote({ path: target, content: `# ${target.split("/").pop()}\n\n` });
            go(href.edit(n.id), true);
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        Create it
      </button>
    </div>
  );
}
