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
  const resource = parts.length === 3 ? ` "${parts[1]}"` : "";
  if (module === "hub") return verb === "admin" ? "administer this whole Parachute hub" : `${verb} the hub`;
  return `${VERBS[verb] ?? verb} your ${module}${resource}`;
}

/**
 * The consent page: who is asking, for what, in plain words; allow or deny. Its security policy lets
 * the form lead to the app's registered redirect address (and nowhere else): browsers apply
 * `form-action` to the redirect that follows the form's submission too.
 */
export function consentPage(
  clientName: string,
  redirectUri: string,
  scopes: string[],
  hidden: Record<string, string>,
): Response {
  const redirectHost = new URL(redirectUri).host;
  const inputs = Object.entries(hidden)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("");
  const items = scopes
    .map((s) => `<li>${escapeHtml(describeScope(s))} <small>(${escapeHtml(s)})</small></li>`)
    .join("");
  return htmlPage(
    "Allow access?",
    `<p><strong>${escapeHtml(clientName)}</strong> (${escapeHtml(redirectHost)}) wants to:</p><ul>${items}</ul>
<form method="post" action="/oauth/authorize">${inputs}
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button></form>`,
    200,
    { "content-security-policy": pageSecurityPolicy(new URL(redirectUri).origin) },
  );
}
