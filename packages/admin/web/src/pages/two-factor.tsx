import QRCode from "qrcode";
import { useState } from "react";
import { ApiError, call } from "../api.ts";

/**
 * Turning on two-factor login: a QR code (and the secret, for typing in) for an authenticator app,
 * the first code to confirm it, then the backup codes, shown once.
 */
export function TwoFactorEnrol({
  onDone,
  skipLabel,
  intro,
}: {
  onDone(): void;
  skipLabel?: string;
  intro?: string;
}) {
  const [enrolling, setEnrolling] = useState<{ secret: string; qr: string } | null>(null);
  const [code, setCode] = useState("");
  const [backup, setBackup] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  if (backup)
    return (
      <div>
        <p className="notice success" role="status">
          Two-factor login is on.
        </p>
        <p>
          Keep these backup codes somewhere safe: each one logs you in once if you lose your phone. They are
          not shown again.
        </p>
        <ul className="codes">
          {backup.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ul>
        <div className="actions">
          <button type="button" className="primary" onClick={onDone}>
            I have kept them
          </button>
        </div>
      </div>
    );

  if (!enrolling)
    return (
      <>
        {intro && <p className="muted">{intro}</p>}
        <div className="actions">
          {skipLabel && (
            <button type="button" onClick={onDone}>
              {skipLabel}
            </button>
          )}
          <button
            type="button"
            className="primary"
            onClick={async () => {
              try {
                const { secret, uri } = await call<{ secret: string; uri: string }>(
                  "POST",
                  "/api/account/2fa/enroll",
                  {},
                );
                setEnrolling({ secret, qr: await QRCode.toDataURL(uri, { margin: 1, width: 200 }) });
              } catch (err) {
                setError((err as Error).message);
              }
            }}
          >
            Turn on two-factor login
          </button>
          {error && (
            <p className="notice error" role="alert">
              {error}
            </p>
          )}
        </div>
      </>
    );

  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          const res = await call<{ backupCodes: string[] }>("POST", "/api/account/2fa/confirm", { code });
          setBackup(res.backupCodes);
        } catch (err) {
          setError(
            err instanceof ApiError && err.code === "invalid_totp"
              ? "That code is not right. Codes change every 30 seconds: try the one showing now."
              : (err as Error).message,
          );
          setCode("");
        }
      }}
    >
      <div className="qr">
        <img src={enrolling.qr} alt="QR code for your authenticator app" width={200} height={200} />
        <p className="small muted">
          Scan it with an authenticator app, or type this key into it: <code>{enrolling.secret}</code>
        </p>
      </div>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      <label htmlFor="totp-code">The six-digit code the app shows</label>
      <input
        id="totp-code"
        inputMode="numeric"
        autoComplete="one-time-code"
        required
        value={code}
        onChange={(e) => setCode(e.target.value)}
      />
      <div className="actions">
        {skipLabel && (
          <button type="button" onClick={onDone}>
            {skipLabel}
          </button>
        )}
        <button type="submit" className="primary">
          Confirm
        </button>
      </div>
    </form>
  );
}
