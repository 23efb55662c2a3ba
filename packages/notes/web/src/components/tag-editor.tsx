import { useState } from "react";

/** A note's tags as chips: ✕ removes one, the field adds one (Enter). */
export function TagEditor({
  tags,
  onAdd,
  onRemove,
}: {
  tags: string[];
  onAdd(tag: string): Promise<void>;
  onRemove(tag: string): Promise<void>;
}) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const act = async (fn: () => Promise<void>) => {
    try {
      await fn();
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <div className="tag-editor">
      {tags.map((t) => (
        <span key={t} className="chip">
          #{t}
          <button
            type="button"
            className="chip-x"
            aria-label={`Remove tag ${t}`}
            onClick={() => act(() => onRemove(t))}
          >
            ✕
          </button>
        </span>
      ))}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const tag = text.trim().replace(/^#/, "");
          if (!tag) return;
          void act(async () => {
            await onAdd(tag);
            setText("");
          });
        }}
      >
        <label htmlFor="add-tag" className="visually-hidden">
          Add a tag
        </label>
        <input
          id="add-tag"
          className="tag-input"
          placeholder="+ tag"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </form>
      {error && (
        <span className="error small" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
