import { useEffect, useState } from "react";
import { call, type HubInfo, type ModuleStatus } from "../api.ts";
import { duration, STATE_WORDS } from "../format.ts";

const REFRESH_MS = 2000;

/** Every module's live state, with where to reach it; a click opens its page. */
export function Dashboard() {
  const [status, setStatus] = useState<{ hub: HubInfo; modules: ModuleStatus[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    const load = () =>
      call<{ hub: HubInfo; modules: ModuleStatus[] }>("GET", "/api/status").then(
        (s) => {
          setStatus(s);
          setError(null);
        },
        (err) => setError((err as Error).message),
      );
    void load();
    const t = setInterval(() => !stop && void load(), REFRESH_MS);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, []);

  return (
    <section>
      <div className="page-head">
        <h1>Modules</h1>
        <a className="button primary" href="/admin/setup">
          Add modules
        </a>
      </div>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {status === null ? (
        <p className="muted">Loading…</p>
      ) : status.modules.length === 0 ? (
        <div className="empty card">
          <p>No modules yet.</p>
          <a className="button primary" href="/admin/setup">
            Choose modules
          </a>
        </div>
      ) : (
        <ul className="modules">
          {status.modules.map((m) => (
            <li key={m.short} className="card module-card" data-module={m.short}>
              <div className="module-top">
                <a className="module-name" href={`/admin/modules/${m.short}`}>
                  {m.short}
                </a>
                <span className={`state state-${m.state}`} data-state={m.state}>
                  {STATE_WORDS[m.state]}
                </span>
              </div>
              {m.reason && m.state !== "active" && <p className="small error">{m.reason}</p>}
              <dl className="facts">
                <dt>Version</dt>
                <dd>{m.version}</dd>
                <dt>Up</dt>
                <dd>{duration(m.uptime)}</dd>
                <dt>Restarts</dt>
                <dd>{m.restarts}</dd>
                {m.rssMb != null && (
                  <>
                    <dt>Memory</dt>
                    <dd>{m.rssMb.toFixed(0)} MB</dd>
                  </>
                )}
              </dl>
              {m.url && (
                <a className="small" href={m.url}>
                  {m.url}
                </a>
              )}
            </li>
          ))}
        </ul>
      )}
      {status && (
        <p className="muted small">
          Hub {status.hub.version} at {status.hub.url}, up {duration(status.hub.uptime)},{" "}
          {status.hub.rssMb.toFixed(0)} MB.
        </p>
      )}
    </section>
  );
}
