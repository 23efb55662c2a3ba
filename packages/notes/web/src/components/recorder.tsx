import { useEffect, useRef, useState } from "react";

const MIN_MS = 600;

/** The recording format this browser offers, with the file extension the vault expects for it. */
function format(): { mimeType: string; ext: string } | null {
  const options = [
    { mimeType: "audio/webm;codecs=opus", ext: "webm" },
    { mimeType: "audio/webm", ext: "webm" },
    { mimeType: "audio/ogg;codecs=opus", ext: "ogg" },
    { mimeType: "audio/mp4", ext: "m4a" },
  ];
  if (typeof MediaRecorder === "undefined") return null;
  return options.find((o) => MediaRecorder.isTypeSupported(o.mimeType)) ?? null;
}

/**
 * Hold to record (pointer, or Space/Enter held on the focused button); let go to keep it. A press
 * shorter than a moment is ignored, and a refused microphone is said in plain words.
 */
export function Recorder({ onRecorded }: { onRecorded(audio: Blob, name: string): Promise<void> }) {
  const [state, setState] = useState<"idle" | "starting" | "recording">("idle");
  const [elapsed, setElapsed] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);
  const rec = useRef<{ recorder: MediaRecorder; stream: MediaStream; started: number } | null>(null);
  const wanted = useRef(false);

  useEffect(() => {
    if (state !== "recording") return;
    const t = setInterval(() => setElapsed(Date.now() - (rec.current?.started ?? Date.now())), 200);
    return () => clearInterval(t);
  }, [state]);

  const start = async () => {
    if (state !== "idle") return;
    const fmt = format();
    if (!fmt) {
      setProblem("This browser cannot record audio.");
      return;
    }
    wanted.current = true;
    setProblem(null);
    setState("starting");
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      setState("idle");
      setProblem("The microphone is not available: allow it for this site in the browser's settings.");
      return;
    }
    const recorder = new MediaRecorder(stream, { mimeType: fmt.mimeType });
    const chunks: Blob[] = [];
    recorder.ondataavailable = (e) => e.data.size > 0 && chunks.push(e.data);
    recorder.onstop = () => {
      const took = Date.now() - (rec.current?.started ?? Date.now());
      for (const track of stream.getTracks()) track.stop();
      rec.current = null;
      setState("idle");
      setElapsed(0);
      if (took < MIN_MS) {
        setProblem("Hold the button while you speak, and let go when you are done.");
        return;
      }
      const name = `voice-${new Date().toISOString().replace(/[:.]/g, "-")}.${fmt.ext}`;
      void onRecorded(new Blob(chunks, { type: fmt.mimeType.split(";")[0] }), name);
    };
    rec.current = { recorder, stream, started: Date.now() };
    recorder.start(250);
    setState("recording");
    if (!wanted.current) stop();
  };

  const stop = () => {
    wanted.current = false;
    if (rec.current?.recorder.state === "recording") rec.current.recorder.stop();
  };

  const seconds = Math.floor(elapsed / 1000);
  return (
    <div className="recorder">
      <button
        type="button"
        className={`record ${state}`}
        aria-pressed={state === "recording"}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          void start();
        }}
        onPointerUp={stop}
        onPointerCancel={stop}
        onLostPointerCapture={stop}
        onKeyDown={(e) => {
          if ((e.key === " " || e.key === "Enter") && !e.repeat) {
            e.preventDefault();
            void start();
          }
        }}
        onKeyUp={(e) => {
          if (e.key === " " || e.key === "Enter") stop();
        }}
        onContextMenu={(e) => e.preventDefault()}
      >
        <span className="dot" aria-hidden="true" />
        {state === "recording"
          ? `Recording ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")} — let go to save`
          : state === "starting"
            ? "Starting the microphone…"
            : "Hold to record a voice note"}
      </button>
      {problem && (
        <p className="notice warning" role="status">
          {problem}
        </p>
      )}
    </div>
  );
}
