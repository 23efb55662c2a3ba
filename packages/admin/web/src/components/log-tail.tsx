import { useEffect, useRef, useState } from "react";

const KEEP = 500;

/** The module's log as it is written: the last lines, then each new one (Server-Sent Events). */
export function LogTail({ short }: { short: string }) {
  const [lines, setLines] = useState<string[]>([]);
  const [live, setLive] = useState(false);
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    setLines([]);
    const stream = new EventSource(`/api/modules/${encodeURIComponent(short)}/logs/stream?n=100`);
    stream.onopen = () => setLive(true);
    stream.onerror = () => setLive(false);
    stream.addEventListener("line", (ev) => {
      const line = String((ev as MessageEvent).data);
      setLines((l) => [...l.slice(-(KEEP - 1)), line]);
    });
    return () => stream.close();
  }, [short]);
  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  });
  return (
    <section className="card" aria-labelledby="log-title">
      <div className="page-head">
        <h2 id="log-title">Log</h2>
        <span className={`small ${live ? "ok" : "muted"}`}>{live ? "● live" : "connecting…"}</span>
      </div>
      <pre ref={box} className="log" aria-live="off" data-testid="log">
        {lines.length ? lines.join("\n") : "Nothing logged yet."}
      </pre>
    </section>
  );
}
