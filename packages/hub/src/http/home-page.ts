import type { Handler } from "hono";
import type { ModuleStatus } from "../api-types.ts";
import type { AppDeps } from "./deps.ts";
import { escapeHtml, htmlPage } from "./pages.ts";

const STATE_WORDS: Record<ModuleStatus["state"], string> = {
  active: "running",
  pending: "starting",
  inactive: "stopped",
  failing: "failing",
};

function moduleItem(m: ModuleStatus, origin: string): string {
  const url = m.url ? escapeHtml(m.url.startsWith("/") ? origin + m.url : m.url) : "";
  const where = url ? `<a href="${url}"><code>${url}</code></a>` : "";
  const why = m.state === "failing" && m.reason ? ` (${escapeHtml(m.reason)})` : "";
  return `<li><strong>${escapeHtml(m.short)}</strong> ${escapeHtml(m.version)} · ${STATE_WORDS[m.state]}${why}<br>${where}</li>`;
}

/**
 * `/`: a signed-in browser sees who it is and what the hub runs, with the next step; anyone else
 * goes to the login page. The admin app replaces this page.
 */
export function homePage({ identity, site, hub }: AppDeps): Handler {
  return (c) => {
    const found = identity.session(c.req.raw, site.secure(c.req.raw));
    const user = found ? identity.users.byId(found.session.userId) : null;
    if (!user) return c.redirect("/login", 302);
    const origin = site.origin(c.req.raw);
    const modules = hub.installed.status();
    const list = modules.length
      ? `<ul>${modules.map((m) => moduleItem(m, origin)).join("")}</ul>`
      : `<p>No modules yet. Install the notes vault from a terminal on the hub's machine:</p>
<pre><code>npx parachute install vault</code></pre>`;
    return htmlPage(
      "Parachute",
      `<p>Signed in as <strong>${escapeHtml(user.username)}</strong>. This hub answers at <code>${escapeHtml(origin)}</code>.</p>
<h2>Modules</h2>${list}
<p>Manage the hub from a terminal: <code>npx parachute status</code>, <code>install</code>, <code>logs</code>;
<code>npx parachute help</code> lists every command.</p>`,
    );
  };
}
