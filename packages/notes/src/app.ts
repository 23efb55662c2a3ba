import { HttpError, type StaticSite } from "@parachute/module-kit";

/** What the page may load and talk to: itself only (notes and attachments come through the hub). */
export const NOTES_PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // CodeMirror writes its styles into <style> elements at run time.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export interface NotesAppDeps {
  site: StaticSite;
  /** Paths anyone may fetch (the web manifest and icon, which browsers fetch without cookies). */
  publicPaths: Set<string>;
  /** Refuses a request without a hub token for this module (throws an `HttpError`). */
  authorize(req: Request): Promise<void>;
}

/** The module's own routes: the web app, read-only, to callers the hub vouches for. */
export function notesApp({
  site,
  publicPaths,
  authorize,
}: NotesAppDeps): (req: Request) => Promise<Response> {
  return async (req) => {
    const path = new URL(req.url).pathname;
    if (req.method !== "GET" && req.method !== "HEAD")
      throw new HttpError(405, "method_not_allowed", "the notes app is read with GET", {
        allow: "GET, HEAD",
      });
    if (!publicPaths.has(path)) await authorize(req);
    const res = site.serve(req, path);
    if (!res) throw new HttpError(404, "not_found", `nothing at ${path}`);
    return res;
  };
}
