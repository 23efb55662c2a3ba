import { useEffect, useState } from "react";
import { ApiError, logout, session, toLogin } from "./api.ts";
import { Account } from "./pages/account.tsx";
import { Apps } from "./pages/apps.tsx";
import { Dashboard } from "./pages/dashboard.tsx";
import { HubPage } from "./pages/hub-page.tsx";
import { ModulePage } from "./pages/module-page.tsx";
import { SetupWizard } from "./pages/setup-wizard.tsx";
import { Tokens } from "./pages/tokens.tsx";
import { type Route, useRoute } from "./router.ts";

const NAV: [Route["page"], string, string][] = [
  ["dashboard", "/admin", "Modules"],
  ["tokens", "/admin/tokens", "Tokens"],
  ["apps", "/admin/apps", "Connected apps"],
  ["account", "/admin/account", "Account"],
  ["hub", "/admin/hub", "Hub"],
];

/** The admin app: setup for a new hub, then the dashboard and its pages behind the hub login. */
export function App() {
  const route = useRoute();
  const [user, setUser] = useState<{ username: string } | null | "checking">("checking");
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (route.page === "setup") return;
    session().then(
      (u) => (u ? setUser(u) : toLogin()),
      (err) => setError(err instanceof ApiError ? err.message : String(err)),
    );
  }, [route.page]);

  useEffect(() => {
    const titles: Record<string, string> = {
      setup: "Set up",
      dashboard: "Modules",
      module: "Module",
      tokens: "Tokens",
      apps: "Connected apps",
      account: "Account",
      hub: "Hub",
      missing: "Not found",
    };
    document.title = `${titles[route.page] ?? ""} · Parachute`;
  }, [route.page]);

  if (route.page === "setup") return <SetupWizard />;
  return (
    <div className="shell">
      <header className="topbar">
        <a className="brand" href="/admin">
          Parachute
        </a>
        <nav aria-label="Admin">
          {NAV.map(([page, href, label]) => (
            <a
              key={page}
              href={href}
              aria-current={
                route.page === page || (page === "dashboard" && route.page === "module") ? "page" : undefined
              }
            >
              {label}
            </a>
          ))}
        </nav>
        {user !== "checking" && user && (
          <span className="who">
            {user.username}
            <button type="button" className="ghost" onClick={() => void logout()}>
              Log out
            </button>
          </span>
        )}
      </header>
      <main className="content">
        {error && (
          <p className="notice error" role="alert">
            {error}
          </p>
        )}
        {user === "checking" || !user ? (
          <p className="muted">Loading…</p>
        ) : route.page === "dashboard" ? (
          <Dashboard />
        ) : route.page === "module" ? (
          <ModulePage short={route.short} />
        ) : route.page === "tokens" ? (
          <Tokens />
        ) : route.page === "apps" ? (
          <Apps />
        ) : route.page === "account" ? (
          <Account />
        ) : route.page === "hub" ? (
          <HubPage />
        ) : (
          <section className="empty">
            <h1>Nothing here</h1>
            <p>
              This page does not exist. <a href="/admin">Back to the modules</a>.
            </p>
          </section>
        )}
      </main>
    </div>
  );
}
