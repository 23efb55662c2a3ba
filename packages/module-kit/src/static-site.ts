/**
 * A built web app (Vite's output), held in memory (it is small) with a gzip copy of each compressible
 * file, and answered by path under the mount: hashed assets cached for a year, the page and the service worker
 * revalidated every time, any other path under the mount answered with the page (the app routes
 * itself), and nothing outside the build folder reachable.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".webmanifest": "application/manifest+json",
  ".json": "application/json",
  ".png": "image/png",
  ".woff2": "font/woff2",
};
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".webmanifest", ".json"]);

interface File {
  type: string;
  raw: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer> | null;
}

export class StaticSite {
  private readonly files = new Map<string, File>();

  /**
   * Loads every file under `dir`; `mount` is the path the site answers under (`/notes`), `pagePolicy`
   * the Content-Security-Policy its page is served with.
   */
  constructor(
    dir: string,
    private readonly mount: string,
    private readonly pagePolicy: string,
  ) {
    if (!existsSync(join(dir, "index.html")))
      throw new Error(`the web app is not built: ${dir} has no index.html`);
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const path = join(d, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (!name.startsWith(".")) this.add(relative(dir, path), new Uint8Array(readFileSync(path)));
      }
    };
    walk(dir);
  }

  private add(rel: string, raw: Uint8Array<ArrayBuffer>): void {
    const ext = extname(rel);
    const gzip = COMPRESSIBLE.has(ext) && raw.length > 1024 ? Bun.gzipSync(raw) : null;
    this.files.set(`/${rel.split("\\").join("/")}`, {
      type: TYPES[ext] ?? "application/octet-stream",
      raw,
      gzip,
    });
  }

  /** Answers a GET or HEAD for a path under the mount; null when the path is not the site's. */
  serve(req: Request, path: string): Response | null {
    if (path === this.mount) return redirect(`${this.mount}/`);
    if (!path.startsWith(`${this.mount}/`)) return null;
    let rel = path.slice(this.mount.length);
    if (rel === "/") rel = "/index.html";
    let file = this.files.get(rel);
    if (!file) {
      // A deep link the app routes itself; a missing asset or file is a plain 404.
      if (rel.startsWith("/assets/") || extname(rel) !== "") return null;
      rel = "/index.html";
      file = this.files.get(rel)!;
    }
    const headers: Record<string, string> = {
      "content-type": file.type,
      "x-content-type-options": "nosniff",
      "referrer-policy": "same-origin",
      "cache-control": rel.startsWith("/assets/")
        ? "public, max-age=31536000, immutable"
        : rel === "/manifest.webmanifest" || rel === "/icon.svg"
          ? "public, max-age=86400"
          : "no-cache",
      vary: "accept-encoding",
    };
    if (rel === "/index.html") {
      headers["content-security-policy"] = this.pagePolicy;
      headers["x-frame-options"] = "DENY";
    }
    if (rel === "/sw.js") headers["service-worker-allowed"] = `${this.mount}/`;
    const gzip = file.gzip && /\bgzip\b/.test(req.headers.get("accept-encoding") ?? "");
    if (gzip) headers["content-encoding"] = "gzip";
    const body = gzip ? file.gzip! : file.raw;
    headers["content-length"] = String(body.length);
    return new Response(req.method === "HEAD" ? null : body, { headers });
  }
}

function redirect(to: string): Response {
  return new Response(null, { status: 301, headers: { location: to } });
}
