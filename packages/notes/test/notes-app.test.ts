import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorResponse, HttpError, StaticSite } from "@parachute/module-kit";
import { NOTES_PAGE_POLICY, notesApp } from "../src/app.ts";

const dir = mkdtempSync(join(tmpdir(), "notes-site-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, "assets"));
const INDEX = "<!doctype html><title>Notes</title><div id=root></div>";
const SCRIPT = `console.log(${JSON.stringify("x".repeat(5000))});`;
writeFileSync(join(dir, "index.html"), INDEX);
writeFileSync(join(dir, "assets", "index-abc123.js"), SCRIPT);
writeFileSync(join(dir, "sw.js"), "self.addEventListener('fetch', () => {});");
writeFileSync(join(dir, "manifest.webmanifest"), "{}");
writeFileSync(join(dir, ".built"), "stamp");

const site = new StaticSite(dir, "/notes", NOTES_PAGE_POLICY);
const app = notesApp({
  site,
  publicPaths: new Set(["/notes/manifest.webmanifest"]),
  authorize: async (req) => {
    if (req.headers.get("authorization") !== "Bearer good")
      throw new HttpError(401, "unauthorized", "a bearer token is required");
  },
});
const get = async (path: string, headers: Record<string, string> = {}, method = "GET") => {
  try {
    return await app(
      new Request(`http://notes.test${path}`, {
        method,
        headers: { authorization: "Bearer good", ...headers },
      }),
    );
  } catch (err) {
    return errorResponse(err);
  }
};

describe("the notes module's server", () => {
  test("the page: its security policy, never cached stale, and every deep link answered with it", async () => {
    const page = await get("/notes/");
    expect(page.status).toBe(200);
    expect(await page.text()).toBe(INDEX);
    expect(page.headers.get("content-security-policy")).toBe(NOTES_PAGE_POLICY);
    expect(page.headers.get("cache-control")).toBe("no-cache");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(await (await get("/notes/some/deep/link")).text()).toBe(INDEX);
    const bare = await get("/notes");
    expect(bare.status).toBe(301);
    expect(bare.headers.get("location")).toBe("/notes/");
  });

  test("hashed assets are cached for good and sent compressed to those who accept it", async () => {
    const plain = await get("/notes/assets/index-abc123.js");
    expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(await plain.text()).toBe(SCRIPT);
    const gz = await get("/notes/assets/index-abc123.js", { "accept-encoding": "gzip, br" });
    expect(gz.headers.get("content-encoding")).toBe("gzip");
    const bytes = new Uint8Array(await gz.arrayBuffer());
    expect(Number(gz.headers.get("content-length"))).toBe(bytes.length);
    expect(new TextDecoder().decode(Bun.gunzipSync(bytes))).toBe(SCRIPT);
    const head = await get("/notes/assets/index-abc123.js", {}, "HEAD");
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    expect((await get("/notes/sw.js")).headers.get("service-worker-allowed")).toBe("/notes/");
  });

  test("missing files are 404, hidden files and paths outside the build are unreachable", async () => {
    for (const path of ["/notes/assets/gone-123.js", "/notes/missing.png", "/elsewhere"]) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: string }).error).toBe("not_found");
    }
    // Files are looked up among those loaded at start, never on disk: a hidden file is a deep link
    // (answered with the page), an encoded traversal a missing file.
    expect(await (await get("/notes/.built")).text()).toBe(INDEX);
    expect((await get("/notes/..%2f..%2fetc%2fpasswd")).status).toBe(404);
  });

  test("without the hub's token only the public files answer; nothing is written", async () => {
    const anonymous = await get("/notes/", { authorization: "" });
    expect(anonymous.status).toBe(401);
    expect((await get("/notes/manifest.webmanifest", { authorization: "" })).status).toBe(200);
    const post = await get("/notes/", {}, "POST");
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  test("a build folder without its page is refused at start, in words", () => {
    const empty = mkdtempSync(join(tmpdir(), "notes-empty-"));
    try {
      expect(() => new StaticSite(empty, "/notes", NOTES_PAGE_POLICY)).toThrow("the web app is not built");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
