import { useEffect, useRef, useState } from "react";
import { follow, type Operation, type OperationEvent } from "../api.ts";

const STEP_WORDS: Record<string, string> = {
  fetch: "Downloading",
  check: "Checking the package",
  register: "Registering",
  start: "Starting",
  active: "Running",
  rollback: "Undoing",
};

/** Installs under way, one row each, following their event streams until each has ended. */
export function InstallProgress({ operations, onAllDone }: { operations: Operation[]; onAllDone(): void }) {
  const [rows, setRows] = useState(() => operations.map((o) => ({ op: o, last: "Waiting its turn" })));
  const done = useRef(onAllDone);
  done.current = onAllDone;
  useEffect(() => {
    let left = operations.length;
    operations.forEach((op, i) => {
      const update = (patch: Partial<{ op: Operation; last: string }>) =>
        setRows((r) => r.map((row, j) => (j === i ? { ...row, ...patch } : row)));
      follow(op.id, (e: OperationEvent) => {
        if (e.type === "step") update({ last: STEP_WORDS[e.step ?? ""] ?? e.message });
      }).then(
        (ended) => {
          update({
            op: ended,
            last: ended.state === "succeeded" ? "Running" : (ended.error?.message ?? "Failed"),
          });
          if (--left === 0) done.current();
        },
        () => update({ last: "Lost track of it: see the dashboard" }),
      );
    });
  }, [operations]);
  return (
    <ul className="progress" aria-live="polite">
      {rows.map(({ op, last }) => (
        <li key={op.id} className={`state-${op.state}`}>
          <strong>{op.module}</strong>
          <span className={op.state === "failed" ? "error" : op.state === "succeeded" ? "ok" : "muted"}>
            {last}
          </span>
        </li>
      ))}
    </ul>
  );
}
