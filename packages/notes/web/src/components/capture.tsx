import { useEffect, useState } from "react";
import { type Capture, capture, discard, flush, onQueueChange, pending } from "../capture-queue.ts";
import { Recorder } from "./recorder.tsx";

/**
 * Quick capture: a text note, or a voice note held to record. Either is kept on this device first
 * and sent to the vault's Inbox when the hub answers; what waits, and anything refused, is listed.
 */
export function CapturePanel({ online }: { online: boolean }) {
  const [text, setText] = useState("");
  const [queue, setQueue] = useState<Capture[]>([]);
  const [said, setSaid] = useState<string | null>(null);

  useEffect(() => {
    const load = () => void pending().then(setQueue);
    load();
    return onQueueChange(load);
  }, []);

  const keep = async () => {
    if (!text.trim()) return;
    await capture({ text });
    setText("");
    setSaid(
      navigator.onLine && online
        ? "Captured to your Inbox."
        : "Captured. It will be sent when you are back online.",
    );
  };

  return (
    <section className="capture" aria-labelledby="capture-title">
      <h1 id="capture-title">Capture</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void keep();
        }}
      >
        <label htmlFor="capture-text">A thought, a task, a link</label>
        <textarea
          id="capture-text"
          rows={5}
          value={text}
          placeholder="Type it here"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void keep();
            }
          }}
        />
        <div className="actions">
          <span className="muted small wide">Ctrl+Enter saves</span>
          <button type="submit" className="primary" disabled={!text.trim()}>
            Save to Inbox
          </button>
        </div>
      </form>
      <div className="or">or</div>
      <Recorder
        onRecorded={async (audio, audioName) => {
          await capture({ audio, audioName });
          setSaid(
            navigator.onLine && online
              ? "Voice note saved. Its transcript appears in the note when ready."
              : "Voice note kept. It will be sent and transcribed when you are back online.",
          );
        }}
      />
      {said && (
        <p className="notice success" role="status">
          {said}
        </p>
      )}
      {queue.length > 0 && (
        <section className="queue" aria-label="Waiting to be sent">
          <h2>Waiting to be sent</h2>
          <ul>
            {queue.map((c) => (
              <li key={c.id}>
                <span>{c.kind === "voice" ? "🎙 Voice note" : c.text.split("\n")[0]}</span>
                {c.error ? (
                  <>
                    <span className="error small">Refused: {c.error}</span>
                    <button type="button" className="ghost small" onClick={() => void discard(c.id)}>
                      Discard
                    </button>
                  </>
                ) : (
                  <span className="muted small">waiting for the connection</span>
                )}
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => void flush()}>
            Send now
          </button>
        </section>
      )}
    </section>
  );
}
