import { escapeHtml, wantsHtml } from "../http/pages.ts";

function page(title: string, body: string, refresh: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">${
    refresh ? '<meta http-equiv="refresh" content="2">' : ""
  }<title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p></main></body></html>`;
}

/** 503 while a module starts or restarts: browsers get a page that reloads itself. */
export function startingResponse(req: Request, short: string, reason: string | null): Response {
  const message = `${short} is starting${reason ? ` (${reason})` : ""}; try again in a moment.`;
  const headers = { "retry-after": "2", "cache-control": "no-store" };
  if (wantsHtml(req)) {
    return new Response(page(`${short} is starting`, message, true), {
      status: 503,
      headers: { ...headers, "content-type": "text/html; charset=utf-8" },
    });
  }
  return Response.json({ error: "module_starting", message }, { status: 503, headers });
}

/** 502 when a module is down, naming it and its state. */
export function downResponse(req: Request, short: string, state: string, reason: string | null): Response {
  const message = `${short} is ${state}${reason ? `: ${reason}` : ""}.`;
  if (wantsHtml(req)) {
    return new Response(page(`${short} is ${state}`, message, false), {
      status: 502,
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
    });
  }
  return Response.json({ error: "module_unavailable", message }, { status: 502 });
}
