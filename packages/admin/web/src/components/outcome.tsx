/** What an action said when it ended: success as a status, failure as an alert. */
export type Said = { ok: boolean; text: string } | null;

/** An action under way ("Restarting…"), announced politely. */
export function Progress({ step }: { step: string | null }) {
  if (!step) return null;
  return (
    <p className="notice" role="status">
      {step}…
    </p>
  );
}

/** How an action ended, in the page's success or error style. */
export function Outcome({ said }: { said: Said }) {
  if (!said) return null;
  return (
    <p className={`notice ${said.ok ? "success" : "error"}`} role={said.ok ? "status" : "alert"}>
      {said.text}
    </p>
  );
}
