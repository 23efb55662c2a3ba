/** The hub's server-rendered pages (login, consent, errors), on the same design system as its apps. */
import BASE_CSS from "@parachute/design/base.css" with { type: "text" };
import TOKENS_CSS from "@parachute/design/tokens.css" with { type: "text" };

/** A page's own layout: one centred card. */
const PAGE_CSS = `main{max-width:28rem;margin:var(--space-7) auto;padding:var(--space-5);background:var(--surface);border:1px solid var(--border);border-radius:var(--radius);box-shadow:var(--shadow)}
.brand{font-weight:700;color:var(--text-muted);margin:0 0 var(--space-3)}
label{margin-top:var(--space-3)}
form button[type=submit],form button:not([type]){margin-top:var(--space-4)}
.actions{display:flex;gap:var(--space-2);flex-wrap:wrap}
.error{padding:var(--space-3) var(--space-4);border-radius:var(--radius-sm);background:var(--danger-soft);color:var(--danger)}
li{margin:var(--space-2) 0}
@media (max-width:480px){main{margin:0;border:none;border-radius:0;box-shadow:none}}`;
const STYLE = `${TOKENS_CSS}\n${BASE_CSS}\n${PAGE_CSS}`;
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** Whether a request comes from a browser that would rather see a page than JSON. */
export function wantsHtml(req: Request): boolean {
  return (req.headers.get("accept") ?? "").includes("text/html");
}

/** The pages' security policy; `formTarget` is one more origin a form may lead to. */
export function pageSecurityPolicy(formTarget?: string): string {
  const form = formTarget ? `'self' ${formTarget}` : "'self'";
  return `default-src 'none'; style-src 'unsafe-inline'; form-action ${form}; frame-ancestors 'none'`;
}

export function htmlPage(
  title: string,
  body: string,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Parachute</title><style>${STYLE}</style></head><body><main><p class="brand">Parachute</p><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "x-frame-options": "DENY",
      "content-security-policy": pageSecurityPolicy(),
      ...headers,
    },
  });
}

export function field(label: string, name: string, type: string, extra = ""): string {
  return `<label>${escapeHtml(label)}<input name="${name}" type="${type}" ${extra}></label>`;
}
