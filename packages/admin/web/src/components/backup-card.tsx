import { useState } from "react";
import { ApiError, runOperation, uploadRestore } from "../api.ts";
import { size } from "../format.ts";
import { ConfirmButton } from "./confirm-button.tsx";
import { Outcome, Progress, type Said } from "./outcome.tsx";

/** How long a restore may take to come back (unpacking, reinstalling the modules, starting them). */
const RESTORE_DEADLINE_MS = 10 * 60 * 1000;

/**
 * Waits until the hub answers again after a restart that began after `since` (or the session is
 * gone): not answering, or a front proxy's 502, is the restart under way.
 */
async function restarted(since: number): Promise<"same-session" | "logged-out"> {
  while (Date.now() - since < RESTORE_DEADLINE_MS) {
    await new Promise((r) => setTimeout(r, 1000));
    try {
      const res = await fetch("/api/status", { credentials: "same-origin" });
      if (res.status === 401) return "logged-out";
      if (res.ok) {
        const { hub } = (await res.json()) as { hub: { uptime: number } };
        if (Date.now() - hub.uptime * 1000 > since) return "same-session";
      }
    } catch {
      // Restarting: not answering for a moment.
    }
  }
  throw new Error(
    "The hub has not come back yet. Its log (parachute logs hub, or the platform's logs) says why.",
  );
}

/** Backup as a download, and restore from an uploaded backup (which restarts the hub). */
export function BackupCard({ onRestored }: { onRestored(): void }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [said, setSaid] = useState<Said>(null);
  const [file, setFile] = useState<File | null>(null);

  const download = async () => {
    setSaid(null);
    setBusy("Taking a backup");
    try {
      const op = await runOperation("POST", "/api/hub/backups", {}, () => {});
      const result = op.result as { download?: string; bytes?: number } | undefined;
      if (op.state !== "succeeded" || !result?.download)
        throw new Error(op.error?.message ?? "The backup could not be taken.");
      // The browser saves the file as it arrives; the page stays.
      location.assign(result.download);
      setSaid({ ok: true, text: `Backup taken (${size(result.bytes ?? 0)}); your browser is saving it.` });
    } catch (err) {
      setSaid({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(null);
    }
  };

  const restore = async () => {
    if (!file) return;
    setSaid(null);
    const since = Date.now();
    setBusy("Uploading and checking the backup");
    try {
      // Accepted means proven whole: the hub now restarts and applies it, so its answers stop a while.
      await uploadRestore(file);
      setBusy("Restarting the hub with the backup's contents");
      const outcome = await restarted(since);
      onRestored();
      setSaid({
        ok: true,
        text:
          outcome === "logged-out"
            ? "Restored. Log in with the backup's account."
            : "Restored. Everything on this hub is now as the backup had it.",
      });
      if (outcome === "logged-out") location.assign("/login");
    } catch (err) {
      setSaid({
        ok: false,
        text: err instanceof ApiError || err instanceof Error ? err.message : String(err),
      });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card">
      <h2>Backup and restore</h2>
      <p className="muted">
        One file with the account, tokens, installed modules and all their data, notes included. Keep it
        somewhere safe: it also holds the hub's signing keys.
      </p>
      <div className="actions">
        <button type="button" disabled={busy !== null} onClick={() => void download()}>
          Download a backup
        </button>
      </div>
      <label htmlFor="restore-file">Restore from a backup</label>
      <p className="muted small">
        Replaces everything on this hub with the backup's contents and restarts it. What it holds now is kept
        aside on its disk.
      </p>
      <input
        id="restore-file"
        type="file"
        accept=".gz,.tgz,application/gzip"
        disabled={busy !== null}
        onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
      />
      {file && busy === null && (
        <div className="actions">
          <ConfirmButton
            label="Restore"
            confirmLabel="Replace everything now"
            cancelLabel="Cancel"
            onConfirm={restore}
          />
        </div>
      )}
      <Progress step={busy} />
      <Outcome said={said} />
    </section>
  );
}
