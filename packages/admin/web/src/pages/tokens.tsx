import { useCallback, useEffect, useState } from "react";
import { ApiError, call } from "../api.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";

interface TokenRow {
  jti: string;
  sub: string;
  aud: string;
  scope: string;
  label: string | null;
  kind: string;
  issuedAt: number | string;
  expiresAt: number | string;
  revokedAt: number | string | null;
}

const when = (t: number | string | null) =>
  t === null ? "—" : new Date(typeof t === "number" ? t * (t < 1e12 ? 1000 : 1) : t).toLocaleString();

/** Tokens for scripts and clients: made with a scope and a lifetime, shown once, listed, revoked. */
export function Tokens() {
  const [tokens, setTokens] = useState<TokenRow[] | null>(null);
  const [scope, setScope] = useState("vault:read");
  const [ttl, setTtl] = useState("30d");
  const [label, setLabel] = useState("");
  const [made, setMade] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    const { tokens } = await call<{ tokens: TokenRow[] }>("GET", "/api/tokens");
    setTokens(tokens);
  }, []);
  useEffect(() => {
    load().catch((err) => setError((err as Error).message));
  }, [load]);

  return (
    <section>
      <h1>Tokens</h1>
      <section className="card" aria-labelledby="new-token">
        <h2 id="new-token">New token</h2>
        <p className="muted small">
          For a script or a client that cannot log in: it acts with the scope you give it, such as{" "}
          <code>vault:read</code>, <code>vault:default:write</code> or <code>scribe:transcribe</code>.
        </p>
        {error && (
          <p className="notice error" role="alert">
            {error}
          </p>
        )}
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            setCopied(false);
            try {
              const res = await call<{ token: string }>("POST", "/api/tokens", {
                scope: scope.trim(),
                ttl,
                ...(label.trim() ? { label: label.trim() } : {}),
              });
              setMade(res.token);
              setLabel("");
              await load();
            } catch (err) {
              setError(err instanceof ApiError ? err.message : String(err));
            }
          }}
        >
          <label htmlFor="token-scope">Scope</label>
          <input id="token-scope" required value={scope} onChange={(e) => setScope(e.target.value)} />
          <label htmlFor="token-ttl">Lasts</label>
          <select id="token-ttl" value={ttl} onChange={(e) => setTtl(e.target.value)}>
            <option value="1d">1 day</option>
            <option value="30d">30 days</option>
            <option value="90d">90 days</option>
            <option value="365d">1 year</option>
          </select>
          <label htmlFor="token-label">Label (what it is for)</label>
          <input id="token-label" value={label} maxLength={100} onChange={(e) => setLabel(e.target.value)} />
          <div className="actions">
            <button type="submit" className="primary">
              Create token
            </button>
          </div>
        </form>
        {made && (
          <div className="notice success" role="status">
            <p>Copy it now: it is not shown again.</p>
            <code className="token-value">{made}</code>
            <div className="actions">
              <button
                type="button"
                onClick={async () => {
                  await navigator.clipboard?.writeText(made).catch(() => undefined);
                  setCopied(true);
                }}
              >
                {copied ? "Copied" : "Copy"}
              </button>
              <button type="button" className="ghost" onClick={() => setMade(null)}>
                Done
              </button>
            </div>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="token-list">
        <h2 id="token-list">Issued tokens</h2>
        {tokens === null ? (
          <p className="muted">Loading…</p>
        ) : tokens.length === 0 ? (
          <p className="muted">No tokens yet.</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>For</th>
                <th>Scope</th>
                <th>Expires</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.jti} className={t.revokedAt ? "revoked" : ""} data-jti={t.jti}>
                  <td>
                    {t.label ?? (t.sub.startsWith("module:") ? `the ${t.sub.slice(7)} module` : t.sub)}
                    {t.kind === "service" && (
                      <span className="muted small">
                        {" "}
                        (module service token; a new one comes at its next start)
                      </span>
                    )}
                  </td>
                  <td>
                    <code>{t.scope}</code>
                  </td>
                  <td>{t.revokedAt ? "revoked" : when(t.expiresAt)}</td>
                  <td>
                    {t.label === "operator.token" && !t.revokedAt ? (
                      <span className="muted small">The command line's: not revoked from here</span>
                    ) : (
                      !t.revokedAt && (
                        <ConfirmButton
                          label="Revoke"
                          confirmLabel="Revoke now"
                          onConfirm={async () => {
                            await call("DELETE", `/api/tokens/${encodeURIComponent(t.jti)}`);
                            await load();
                          }}
                        />
                      )
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}
