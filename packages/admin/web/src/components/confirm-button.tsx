import { useState } from "react";

/**
 * A button whose action happens only after a second, explicit click ("Revoke" → "Revoke now" /
 * "Keep"); the confirming button takes the keyboard's focus.
 */
export function ConfirmButton({
  label,
  confirmLabel,
  cancelLabel = "Keep",
  onConfirm,
}: {
  label: string;
  confirmLabel: string;
  /** The button that changes nothing ("Keep" for a revocation, "Cancel" elsewhere). */
  cancelLabel?: string;
  onConfirm(): Promise<void>;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  return (
    <span className="actions tight">
      <button
        type="button"
        className="danger"
        // biome-ignore lint/a11y/noAutofocus: a confirmation just opened takes the keyboard's focus
        autoFocus
        onClick={async () => {
          await onConfirm();
          setAsking(false);
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        {cancelLabel}
      </button>
    </span>
  );
}
