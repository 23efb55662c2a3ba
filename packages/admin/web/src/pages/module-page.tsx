import { useCallback, useEffect, useState } from "react";
import { call, type ModuleStatus, type OperationEvent, runOperation } from "../api.ts";
import { LogTail } from "../components/log-tail.tsx";
import { Outcome } from "../components/outcome.tsx";
import { SettingsForm } from "../components/settings-form.tsx";
import { duration, STATE_WORDS } from "../format.ts";
import { navigate } from "../router.ts";

type Action = "start" | "stop" | "restart" | "upgrade" | "uninstall";
const CONFIRM: Partial<Record<Action, string>> = {
  stop: "Stop it? Its pages and API stop answering until you start it again.",
  upgrade: "Upgrade it? It restarts on the newer version; if that fails, the current one comes back.",
  uninstall: "Uninstall it? Its data folder is kept, so installing it again brings your data back.",
};

/** What a finished operation did, in words: an upgrade says whether there was anything newer. */
function doneText(short: string, action: Action, result: unknown): string {
  if (action === "upgrade") {
    const r = (result ?? {}) as { version?: string; previousVersion?: string };
    return r.previousVersion && r.previousVersion !== r.version
      ? `${short} upgraded from ${r.previousVersion} to ${r.version}.`
      : `${short} ${r.version ?? ""} is already the newest version its source has.`;
  }
  return `${short}: ${action} done.`;
}

/** One module: its state, what can be done to it (with progress), its settings and its log. */
export function ModulePage({ short }: { short: string }) {
  const [mod, setMod] = useState<ModuleStatus | null | "missing">(null);
  const [confirming, setConfirming] = useState<Action | null>(null);
  const [busy, setBusy] = useState<{ action: Action; step: string } | null>(null);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  // While an operation runs, its steps say the state sooner than the next look at the status would.
  const [stepState, setStepState] = useState<ModuleStatus["state"] | null>(null);

  const load = useCallback(async () => {
    const { modules } = await call<{ modules: ModuleStatus[] }>("GET", "/api/modules");
    setMod(modules.find((m) => m.short === short) ?? "missing");
  }, [short]);
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), 2000);
    return () => clearInterval(t);
  }, [load]);

  if (mod === null) return <p className="muted">Loading…</p>;
  if (mod === "missing")
    return (
      <section className="empty">
        <h1>{short}</h1>
        <p>
          No module called {short} is installed. <a href="/admin">Back to the modules</a>.
        </p>
      </section>
    );

  const act = async (action: Action) => {
    setConfirming(null);
    setSaid(null);
    setBusy({ action, step: "Asking the hub" });
    try {
      const op = await runOperation("POST", `/api/modules/${short}/${action}`, {}, (e: OperationEvent) => {
        if (e.type !== "step") return;
        setBusy({ action, step: e.message });
        if (e.step === "start" || e.step === "restart") setStepState("pending");
        if (e.step === "active") setStepState("active");
      });
      setSaid(
        op.state === "succeeded"
          ? { ok: true, text: doneText(short, action, op.result) }
          : { ok: false, text: op.error?.message ?? `${action} failed.` },
      );
      if (action === "uninstall" && op.state === "succeeded") navigate("/admin");
    } catch (err) {
      setSaid({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(null);
      setStepState(null);
      void load();
    }
  };

  const path = mod.url ? new URL(mod.url, location.href).pathname : null;
  return (
    <section>
      <div className="page-head">
        <h1>{mod.short}</h1>
        <span className={`state state-${stepState ?? mod.state}`} data-state={stepState ?? mod.state}>
          {STATE_WORDS[stepState ?? mod.state]}
        </span>
      </div>
      {mod.reason && mod.state !== "active" && mod.reason.toLowerCase() !== "stopped" && (
        <p className="notice warning">{mod.reason}</p>
      )}
      <dl className="facts wide">
        <dt>Version</dt>
        <dd>{mod.version}</dd>
        <dt>Up</dt>
        <dd>{duration(mod.uptime)}</dd>
        <dt>Restarts</dt>
        <dd>{mod.restarts}</dd>
        <dt>Address</dt>
        <dd>{mod.url ? <a href={mod.url}>{mod.url}</a> : "—"}</dd>
      </dl>
      <div className="actions">
        {(["start", "stop", "restart", "upgrade", "uninstall"] as Action[]).map((a) => (
          <button
            key={a}
            type="button"
            className={a === "uninstall" ? "danger" : ""}
            disabled={busy !== null || (a === "start" && mod.wanted) || (a === "stop" && !mod.wanted)}
            onClick={() => (CONFIRM[a] ? setConfirming(a) : void act(a))}
          >
            {a[0]!.toUpperCase() + a.slice(1)}
          </button>
        ))}
      </div>
      {confirming && (
        <div
          className="notice warning confirm"
          role="alertdialog"
          aria-label={`Confirm ${confirming}`}
          onKeyDown={(e) => e.key === "Escape" && setConfirming(null)}
        >
          <p>{CONFIRM[confirming]}</p>
          <div className="actions">
            <button
              type="button"
              className={confirming === "uninstall" ? "danger" : "primary"}
              // biome-ignore lint/a11y/noAutofocus: a confirmation just opened takes the keyboard's focus
              autoFocus
              onClick={() => void act(confirming)}
            >
              Yes, {confirming}
            </button>
            <button type="button" onClick={() => setConfirming(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {busy && (
        <p className="notice" role="status">
          {busy.action}: {busy.step}…
        </p>
      )}
      <Outcome said={said} />
      {path &&
        (mod.state === "active" ? (
          <SettingsForm key={mod.pid ?? "none"} base={path} />
        ) : (
          <section className="card">
            <h2>Settings</h2>
            <p className="muted">
              The module answers for its settings: start {short} to see and change them.
            </p>
          </section>
        ))}
      <LogTail short={short} />
    </section>
  );
}
