import { useEffect, useState } from "react";
import { call, type HubInfo, logout, runOperation } from "../api.ts";
import { BackupCard } from "../components/backup-card.tsx";
import { Outcome, Progress } from "../components/outcome.tsx";
import { duration } from "../format.ts";

/** The hub itself: its version, upgrading it (with progress), backup and restore, and logging out. */
export function HubPage() {
  const [hub, setHub] = useState<HubInfo | null>(null);
  const [step, setStep] = useState<string | null>(null);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const load = () => void call<{ hub: HubInfo }>("GET", "/api/status").then((s) => setHub(s.hub));
  useEffect(load, []);
  if (!hub) return <p className="muted">Loading…</p>;
  return (
    <section>
      <h1>Hub</h1>
      <section className="card">
        <dl className="facts">
          <dt>Version</dt>
          <dd>{hub.version}</dd>
          <dt>Address</dt>
          <dd>{hub.url}</dd>
          <dt>Up</dt>
          <dd>{duration(hub.uptime)}</dd>
          <dt>Memory</dt>
          <dd>{hub.rssMb.toFixed(0)} MB</dd>
          <dt>Home</dt>
          <dd>
            <code>{hub.home}</code>
          </dd>
        </dl>
        <div className="actions">
          <button
            type="button"
            disabled={step !== null}
            onClick={async () => {
              setSaid(null);
              setStep("Looking for a newer version");
              try {
                const op = await runOperation(
                  "POST",
                  "/api/hub/upgrade",
                  {},
                  (e) => e.type === "step" && setStep(e.message),
                );
                const message = (op as { result?: { message?: string } }).result?.message;
                // Nothing newer is news, not a failure.
                const nothingNewer = op.error?.code === "not_newer" || op.error?.code === "not_in_source";
                setSaid(
                  op.state === "succeeded" || nothingNewer
                    ? { ok: true, text: message ?? op.error?.message ?? "Upgraded." }
                    : { ok: false, text: op.error?.message ?? "The upgrade failed." },
                );
              } catch (err) {
                setSaid({ ok: false, text: (err as Error).message });
              } finally {
                setStep(null);
              }
            }}
          >
            Upgrade the hub
          </button>
          <button type="button" className="ghost" onClick={() => void logout()}>
            Log out
          </button>
        </div>
        <Progress step={step} />
        <Outcome said={said} />
      </section>
      <BackupCard onRestored={load} />
    </section>
  );
}
