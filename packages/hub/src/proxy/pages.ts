import { escapeHtml, htmlPage, wantsHtml } from "../http/pages.ts";

/** The hub's page for a module that cannot answer, with the way to the admin app. */
function page(title: string, body: string, status: number, headers: Record<string, string>): Response {
  return htmlPage(
    title,
    `<p>${escapeHtml(body)}</p><p><a href="/admin/">Open the admin app</a> to see the module and its log.</p>`,
    status,
    headers,
  );
}

/** 503 while a module starts or restarts: browsers get a page that reloads itself. */
export function startingResponse(req: Request, short: string, reason: string | null): Response {
  const message = `${short} is starting${reason ? ` (${reason})` : ""}; try again in a moment.`;
  const headers = { "retry-after": "2", "cache-control": "no-store" };
  // The page reloads itself (a Refresh header: the page's policy allows no script).
  if (wantsHtml(req)) return page(`${short} is starting`, message, 503, { ...headers, refresh: "2" });
  return Response.json({ error: "module_starting", message }, { status: 503, headers });
}

/** 502 when a module is down, naming it and its state. */
export function downResponse(req: Request, short: string, state: string, reason: string | null): Response {
  const message = `${short} is ${state}${reason ? `: ${reason}` : ""}.`;
  if (wantsHtml(req)) return page(`${short} is ${state}`, message, 502, {});
  return Response.json({ error: "module_unavailable", message }, { status: 502 });
}
