/** Minimal server-rendered pages (login, setup, consent) until the admin app takes over. */
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
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Parachute</title><style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.8rem 0}input{display:block;width:100%;padding:.4rem;font-size:1rem}button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem}.error{color:#a00}code{font-size:.9em;background:#8882;padding:.1rem .3rem;border-radius:3px;overflow-wrap:anywhere}pre{background:#8882;padding:.6rem;border-radius:4px}pre code{background:none;padding:0}li{margin:.6rem 0}@media (prefers-color-scheme:dark){body{background:#16181c;color:#e6e6e6}.error{color:#f77}}</style></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
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
