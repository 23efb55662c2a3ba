import { useCallback, useEffect, useState } from "react";
import { call } from "../api.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";

interface Client {
  clientId: string;
  name: string;
  redirectUris: string[];
  createdAt: number | string;
  allowed: boolean;
}

/** Apps connected through OAuth (MCP clients): who they are, and disconnecting one (its grants go too). */
export function Apps() {
  const [clients, setClients] = useState<Client[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    const { clients } = await call<{ clients: Client[] }>("GET", "/api/oauth/clients");
    setClients(clients);
  }, []);
  useEffect(() => {
    load().catch((err) => setError((err as Error).message));
  }, [load]);
  return (
    <section>
      <h1>Connected apps</h1>
      <p className="muted">
        Apps that registered to reach your modules (such as an MCP client connected to the vault): those you
        allowed, and those that asked but were never allowed.
      </p>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {clients === null ? (
        <p className="muted">Loading…</p>
      ) : clients.length === 0 ? (
        <div className="card empty">
          <p>No apps are connected.</p>
          <p className="muted small">
            Give an MCP client the vault's address (<code>/vault/default/mcp</code>): it asks you here for
            permission.
          </p>
        </div>
      ) : (
        <ul className="list">
          {clients.map((c) => (
            <li key={c.clientId} className="card" data-client={c.clientId}>
              <div className="page-head">
                <div>
                  <strong>
                    <bdi>{c.name || "An unnamed app"}</bdi>
                  </strong>
                  {!c.allowed && <span className="muted small"> — registered, never allowed</span>}
                  <p className="muted small">{c.redirectUris.map((u) => new URL(u).host || u).join(", ")}</p>
                </div>
                <ConfirmButton
                  label="Disconnect"
                  confirmLabel="Disconnect now"
                  onConfirm={async () => {
                    await call("DELETE", `/api/oauth/clients/${encodeURIComponent(c.clientId)}`);
                    await load();
                  }}
                />
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
