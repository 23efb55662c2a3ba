import { useCallback, useEffect, useState } from "react";
import { ApiError, call } from "../api.ts";
import { TwoFactorEnrol } from "./two-factor.tsx";

/** The admin's password and two-factor login. */
export function Account() {
  const [totp, setTotp] = useState<boolean | null>(null);
  const [enrolling, setEnrolling] = useState(false);
  const [current, setCurrent] = useState("");
  const [offPassword, setOffPassword] = useState("");
  const [turningOff, setTurningOff] = useState(false);
  const [offError, setOffError] = useState<string | null>(null);
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const reload = useCallback(
    () =>
      call<{ user: { totp?: boolean } }>("GET", "/api/session").then((s) => setTotp(Boolean(s.user.totp))),
    [],
  );
  useEffect(() => {
    void reload();
  }, [reload]);
  return (
    <section>
      <h1>Account</h1>
      <section className="card" aria-labelledby="pw-title">
        <h2 id="pw-title">Password</h2>
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            if (password !== again)
              return setSaid({ ok: false, text: "The two passwords are not the same." });
            try {
              await call("POST", "/api/account/password", { password, current });
              location.assign("/login?next=/admin/account");
            } catch (err) {
              setSaid({ ok: false, text: err instanceof ApiError ? err.message : String(err) });
            }
          }}
        >
          <label htmlFor="current-password">Current password</label>
          <input
            id="current-password"
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
          <label htmlFor="new-password">New password (at least 12 characters)</label>
          <input
            id="new-password"
            type="password"
            autoComplete="new-password"
            minLength={12}
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <label htmlFor="new-password-again">The same again</label>
          <input
            id="new-password-again"
            type="password"
            autoComplete="new-password"
            required
            value={again}
            onChange={(e) => setAgain(e.target.value)}
          />
          {said && (
            <p className={`notice ${said.ok ? "success" : "error"}`} role="alert">
              {said.text}
            </p>
          )}
          <p className="muted small">Changing it logs out every session, this one too.</p>
          <div className="actions">
            <button type="submit" className="primary">
              Change password
            </button>
          </div>
        </form>
      </section>
      <section className="card" aria-labelledby="tfa-title">
        <h2 id="tfa-title">Two-factor login</h2>
        {totp === null ? (
          <p className="muted">Loading…</p>
        ) : totp ? (
          <>
            <p className="notice success">On: logging in asks for a code from your authenticator app.</p>
            {turningOff ? (
              <form
                onSubmit={async (e) => {
                  e.preventDefault();
                  try {
                    await call("POST", "/api/account/2fa/disable", { current: offPassword });
                    setTurningOff(false);
                    setOffPassword("");
                    setOffError(null);
                    await reload();
                  } catch (err) {
                    setOffError(err instanceof ApiError ? err.message : String(err));
                  }
                }}
              >
                {offError && (
                  <p className="notice error" role="alert">
                    {offError}
                  </p>
                )}
                <label htmlFor="off-password">Your password, to turn it off</label>
                <input
                  id="off-password"
                  type="password"
                  autoComplete="current-password"
                  required
                  value={offPassword}
                  onChange={(e) => setOffPassword(e.target.value)}
                />
                <div className="actions">
                  <button type="submit" className="danger">
                    Turn off two-factor login
                  </button>
                  <button type="button" onClick={() => setTurningOff(false)}>
                    Keep it on
                  </button>
                </div>
              </form>
            ) : (
              <div className="actions">
                <button type="button" className="danger" onClick={() => setTurningOff(true)}>
                  Turn off
                </button>
              </div>
            )}
          </>
        ) : enrolling ? (
          <TwoFactorEnrol
            onDone={() => {
              setEnrolling(false);
              void reload();
            }}
          />
        ) : (
          <>
            <p className="muted">
              Off. With it on, logging in also asks for a six-digit code from an authenticator app.
            </p>
            <TwoFactorEnrol onDone={() => void reload()} />
          </>
        )}
      </section>
    </section>
  );
}
