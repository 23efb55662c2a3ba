import { useEffect, useState } from "react";
import { ApiError, type CatalogEntry, call, type Operation, rememberCsrf, session } from "../api.ts";
import { InstallProgress } from "./install-progress.tsx";
import { TwoFactorEnrol } from "./two-factor.tsx";

type Step = "loading" | "account" | "twofa" | "modules" | "installing";
const PRESELECTED = ["vault", "notes", "scribe"];

/**
 * The first minutes of a hub: the setup token and the admin account, optional two-factor login, the
 * modules to start with, their installs live. Opened again midway (a closed tab), it picks up at the
 * step the hub is at.
 */
export function SetupWizard() {
  const [step, setStep] = useState<Step>("loading");
  const [running, setRunning] = useState<Operation[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  // After the first run this page is where modules are added: the setup steps no longer apply.
  const [firstRun, setFirstRun] = useState(false);
  const [allDone, setAllDone] = useState(false);

  useEffect(() => {
    void (async () => {
      try {
        const { needed } = await call<{ needed: boolean }>("GET", "/api/setup");
        if (needed) {
          setFirstRun(true);
          return setStep("account");
        }
        if (!(await session())) return location.assign("/login?next=/admin/setup");
        const { operations } = await call<{ operations: Operation[] }>("GET", "/api/operations");
        const underWay = operations.filter(
          (o) => o.kind === "install" && (o.state === "queued" || o.state === "running"),
        );
        if (underWay.length) {
          setRunning(underWay);
          return setStep("installing");
        }
        // Set up already: this is where more modules are added (those installed show as such).
        setStep("modules");
      } catch (err) {
        setProblem((err as Error).message);
      }
    })();
  }, []);

  return (
    <main className="wizard">
      <p className="brand-line">Parachute</p>
      {firstRun && (
        <ol className="steps" aria-label="Setup steps">
          {(["Admin account", "Two-factor login", "Modules", "Install"] as const).map((label, i) => {
            const at = { loading: -1, account: 0, twofa: 1, modules: 2, installing: 3 }[step];
            return (
              <li key={label} aria-current={at === i ? "step" : undefined} className={at > i ? "done" : ""}>
                {label}
              </li>
            );
          })}
        </ol>
      )}
      {!firstRun && step !== "loading" && (
        <p>
          <a href="/admin">← Back to the modules</a>
        </p>
      )}
      {problem && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
      {step === "loading" && <p className="muted">Loading…</p>}
      {step === "account" && <AccountStep onDone={() => setStep("twofa")} />}
      {step === "twofa" && (
        <section className="card">
          <h1>Two-factor login</h1>
          <p className="muted">
            Optional, and worth it for a hub on the internet: after your password, a six-digit code from an
            authenticator app.
          </p>
          <TwoFactorEnrol onDone={() => setStep("modules")} skipLabel="Skip for now" />
        </section>
      )}
      {step === "modules" && (
        <ModulesStep
          onStarted={(ops) => {
            setRunning(ops);
            setStep("installing");
          }}
        />
      )}
      {step === "installing" && (
        <section className="card">
          <h1>{allDone ? "Installed" : "Installing"}</h1>
          <InstallProgress operations={running} onAllDone={() => setAllDone(true)} />
          <div className="actions">
            <a className="button primary" href="/admin">
              Go to the dashboard
            </a>
          </div>
        </section>
      )}
    </main>
  );
}

function AccountStep({ onDone }: { onDone(): void }) {
  const [token, setToken] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section className="card">
      <h1>Create the admin account</h1>
      <p className="muted">
        The setup token is printed in the hub's log when it starts (or is the{" "}
        <code>PARACHUTE_SETUP_TOKEN</code> you deployed with).
      </p>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          try {
            const res = await call<{ csrf: string }>(
              "POST",
              "/api/setup",
              { token, username, password },
              false,
            );
            rememberCsrf(res.csrf);
            onDone();
          } catch (err) {
            setError(setupMessage(err));
            setToken("");
            setPassword("");
          } finally {
            setBusy(false);
          }
        }}
      >
        <label htmlFor="token">Setup token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          required
          value={token}
          onChange={(e) => setToken(e.target.value)}
        />
        <label htmlFor="username">Username</label>
        <input
          id="username"
          autoComplete="username"
          required
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <label htmlFor="password">Password (at least 12 characters)</label>
        <input
          id="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Creating…" : "Create admin"}
          </button>
        </div>
      </form>
    </section>
  );
}

/** The hub's refusal, as the person at the form needs it. */
function setupMessage(err: unknown): string {
  if (!(err instanceof ApiError)) return String(err);
  if (err.code === "bad_setup_token") return "That is not the setup token. Copy it again from the hub's log.";
  if (err.status === 429)
    return `Too many wrong tries. Wait ${err.retryAfter ?? 60} seconds, then try again with the token from the log.`;
  if (err.status === 409) return "This hub is already set up. Log in instead.";
  return err.message.charAt(0).toUpperCase() + err.message.slice(1);
}

function ModulesStep({ onStarted }: { onStarted(ops: Operation[]): void }) {
  const [catalog, setCatalog] = useState<CatalogEntry[] | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    call<{ modules: CatalogEntry[] }>("GET", "/api/modules/catalog").then(
      ({ modules }) => {
        setCatalog(modules);
        setChosen(
          modules
            .filter((m) => m.available && !m.installed && PRESELECTED.includes(m.short))
            .map((m) => m.short),
        );
      },
      (err) => setError((err as Error).message),
    );
  }, []);
  return (
    <section className="card">
      <h1>Choose your modules</h1>
      <p className="muted">Each is a small program the hub runs for you. You can add or remove them later.</p>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {catalog === null ? (
        <p className="muted">Loading the catalog…</p>
      ) : (
        <fieldset className="choices">
          <legend className="visually-hidden">Modules to install</legend>
          {catalog.map((m) => (
            <label key={m.short} className={`choice${m.available ? "" : " unavailable"}`}>
              <input
                type="checkbox"
                checked={chosen.includes(m.short) || m.installed}
                disabled={!m.available || m.installed}
                onChange={(e) =>
                  setChosen((c) => (e.target.checked ? [...c, m.short] : c.filter((s) => s !== m.short)))
                }
              />
              <span>
                <strong>{m.displayName}</strong> <span className="muted">{m.tagline}</span>
                {m.installed && <span className="badge ok">installed</span>}
                {!m.available && (
                  <span className="muted small"> — not offered by this hub's module source</span>
                )}
              </span>
            </label>
          ))}
        </fieldset>
      )}
      <div className="actions">
        <a className="button" href="/admin">
          Skip
        </a>
        <button
          type="button"
          className="primary"
          disabled={busy || chosen.length === 0}
          onClick={async () => {
            setBusy(true);
            try {
              const ops: Operation[] = [];
              for (const short of chosen) {
                const { operation } = await call<{ operation: Operation }>("POST", "/api/modules/install", {
                  short,
                });
                ops.push(operation);
              }
              onStarted(ops);
            } catch (err) {
              setError((err as Error).message);
              setBusy(false);
            }
          }}
        >
          Install {chosen.length || ""} {chosen.length === 1 ? "module" : "modules"}
        </button>
      </div>
    </section>
  );
}
