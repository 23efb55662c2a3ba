import type { Note } from "../api.ts";
import { timeAgo } from "../time.ts";

/** The note changed elsewhere while it was being edited: both versions, and the three ways out. */
export function ConflictView({
  mine,
  theirs,
  onChoose,
}: {
  mine: string;
  theirs: Note;
  onChoose(choice: "mine" | "theirs" | "merge"): void;
}) {
  return (
    <section className="conflict-panel" role="alertdialog" aria-labelledby="conflict-title">
      <h2 id="conflict-title">This note was changed elsewhere</h2>
      <p className="muted">
        Someone (or another device) saved it {timeAgo(theirs.updated_at)} while you were writing. Nothing is
        lost: choose which version to keep, or merge both and edit.
      </p>
      <div className="versions">
        <div>
          <h3>Your version</h3>
          <pre>{mine}</pre>
        </div>
        <div>
          <h3>Saved elsewhere</h3>
          <pre>{theirs.content}</pre>
        </div>
      </div>
      <div className="actions">
        <button type="button" className="primary" onClick={() => onChoose("mine")}>
          Keep mine
        </button>
        <button type="button" onClick={() => onChoose("theirs")}>
          Take theirs
        </button>
        <button type="button" onClick={() => onChoose("merge")}>
          Merge both
        </button>
      </div>
    </section>
  );
}
