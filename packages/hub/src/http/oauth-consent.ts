import { escapeHtml, htmlPage, pageSecurityPolicy } from "./pages.ts";

const VERBS: Record<string, string> = {
  read: "read",
  write: "read and change",
  admin: "fully manage, including settings,",
  transcribe: "use",
};

/** A scope in plain words, e.g. `vault:default:write` → "read and change your vault "default"". */
function describeScope(scope: string): string {
  const parts = scope.split(":");
  const module = parts[0]!;
  const verb = parts[parts.length - 1]!;
  if (module === "hub") return verb === "admin" ? "administer this whole Parachute hub" : `${verb} the hub`;
  const what = parts.length === 3 ? `your ${module} "${parts[1]}"` : `all your ${module}s`;
  return `${VERBS[verb] ?? verb} ${what}`;
}

/** Where an app sends the browser back to, as a person would understand it. */
function describeDestination(redirectUri: string): string {
  const u = new URL(redirectUri);
  const local = ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
  return local ? "this computer" : u.host;
}

export interface ConsentFacts {
  /** The name the app registered with: its own claim, not verified. */
  clientName: string;
  redirectUri: string;
  scopes: string[];
  username: string;
  hidden: Record<string, string>;
}

/**
 * The consent page: who is asking, for what, in plain words; allow or deny. The app's name is its own
 * claim, so where it will send the browser back is said first. Its security policy lets the form lead
 * to the app's registered redirect address (and nowhere else): browsers apply `form-action` to the
 * redirect that follows the form's submission too.
 */
export function consentPage(f: ConsentFacts): Response {
  const inputs = Object.entries(f.hidden)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("");
  const items = f.scopes
    .map((s) => `<li>${escapeHtml(describeScope(s))} <small>(${escapeHtml(s)})</small></li>`)
    .join("");
  return htmlPage(
    "Allow access?",
    `<p>An app on <strong>${escapeHtml(describeDestination(f.redirectUri))}</strong>, calling itself
<strong><bdi>${escapeHtml(f.clientName)}</bdi></strong>, asks to connect to this Parachute as
<strong>${escapeHtml(f.username)}</strong>. It wants to:</p><ul>${items}</ul>
<p><small>Access lasts until you disconnect the app; it ends by itself after 30 days without use.</small></p>
<form method="post" action="/oauth/authorize">${inputs}
<button type="submit" name="decision" value="allow" class="primary">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button></form>`,
    200,
    { "content-security-policy": pageSecurityPolicy(new URL(f.redirectUri).origin) },
  );
}
