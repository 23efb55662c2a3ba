import { HttpError, parseDuration, readJsonBody } from "@parachute/module-kit";
import { type Context, Hono } from "hono";
import { sizeInWords } from "../core/attachments.ts";
import { cachedFolders } from "../core/folders.ts";
import type { NewNote, NotePatch } from "../core/notes.ts";
import { previewOf } from "../core/preview.ts";
import { queryNotes } from "../core/query.ts";
import { deleteTag, listTags, renameTag } from "../core/tag-ops.ts";
import { type Vault, type VaultSet, vaultStats } from "../core/vaults.ts";
import { renderError } from "./errors.ts";
import { parseListQuery } from "./params.ts";

/** The most notes one batch create may hold. */
const MAX_BATCH = 100;
const MAX_BODY = 2 * 1024 * 1024;
const MAX_BATCH_BODY = 16 * 1024 * 1024;

/** A lifetime such as `15m`, `12h`, `30d`, in milliseconds. */
export function ttlMs(raw: string): number {
  const s = parseDuration(raw);
  if (s === null || s < 1) throw new HttpError(400, "invalid_field", '"ttl" must look like 15m, 12h or 30d');
  return s * 1000;
}

/** Checks the caller may `verb` (read, write, admin) the named vault; throws 401/403 otherwise. */
export type Authorize = (req: Request, vault: string, verb: "read" | "write" | "admin") => Promise<void>;

const NOTE_FIELDS = {
  path: { type: "string", required: true },
  content: { type: "string" },
  metadata: { type: "object" },
  tags: { type: "array" },
} as const;

const PATCH_FIELDS = {
  path: { type: "string" },
  content: { type: "string" },
  append: { type: "string" },
  prepend: { type: "string" },
  edit: { type: "object" },
  metadata: { type: "object" },
  tags_add: { type: "array" },
  tags_remove: { type: "array" },
  if_updated_at: { type: "string" },
} as const;

type Env = { Variables: { vault: Vault } };

/**
 * REST over the vault core, under `/vault/<name>/api/`: a thin adapter that parses, authorises and
 * renders; every rule lives in the core. `/vault/` itself lists the vaults the caller may read, with
 * where to reach each (`origin` is the hub's public origin).
 */
export function restApp(vaults: VaultSet, authorize: Authorize, origin = ""): Hono {
  const root = new Hono();
  // Notes are private: no shared cache keeps them, and no browser cache outlives the answer.
  root.use("*", async (c, next) => {
    await next();
    if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "private, no-store");
  });
  root.onError((err) => renderError(err));
  root.notFound(() => renderError(new HttpError(404, "not_found", "no such vault route")));
  const index = async (c: Context) => {
    const readable: string[] = [];
    let refusal: unknown = null;
    for (const name of vaults.names()) {
      try {
        await authorize(c.req.raw, name, "read");
        readable.push(name);
      } catch (err) {
        refusal ??= err;
      }
    }
    if (readable.length === 0 && refusal) throw refusal;
    return c.json({
      vaults: readable.map((name) => ({
        name,
        api: `${origin}/vault/${name}/api/`,
        mcp: `${origin}/vault/${name}/mcp`,
      })),
    });
  };
  root.get("/vault", index);
  root.get("/vault/", index);
  root.route("/", notesApi(vaults, authorize));
  return root;
}

function notesApi(vaults: VaultSet, authorize: Authorize): Hono<Env> {
  const app = new Hono<Env>().basePath("/vault/:vault/api");
  app.onError((err) => renderError(err));
  app.notFound(() => renderError(new HttpError(404, "not_found", "no such vault route")));

  const can =
    (verb: "read" | "write" | "admin") =>
    async (
      c: { req: { raw: Request; param(k: "vault"): string }; set(k: "vault", v: Vault): void },
      next: () => Promise<void>,
    ) => {
      const name = c.req.param("vault");
      await authorize(c.req.raw, name, verb);
      c.set("vault", vaults.get(name));
      await next();
    };
  const reads = can("read");
  const writes = can("write");

  app.get("/notes", reads, (c) => {
    const url = new URL(c.req.url);
    const view = url.searchParams.get("view") ?? "full";
    if (view !== "full" && view !== "preview")
      throw new HttpError(400, "invalid_query", 'view must be "full" or "preview"');
    url.searchParams.delete("view");
    const query = parseListQuery(url);
    const found = queryNotes(c.get("vault").notes, query);
    if (view === "full") return c.json(found);
    // A page of previews is a few KB where whole notes can be hundreds.
    return c.json({
      notes: found.notes.map((n) => previewOf(n, query.search)),
      next_cursor: found.next_cursor,
    });
  });

  app.post("/notes", writes, async (c) => {
    const raw = c.req.raw;
    const isBatch = c.req.query("batch") === "true";
    if (isBatch) {
      const { notes } = await readJsonBody<{ notes: NewNote[] }>(
        raw,
        { notes: { type: "array", required: true } },
        MAX_BATCH_BODY,
      );
      if (notes.length === 0 || notes.length > MAX_BATCH) {
        throw new HttpError(
          400,
          "batch_size",
          `a batch holds 1 to ${MAX_BATCH} notes; this one has ${notes.length}`,
        );
      }
      return c.json({ notes: c.get("vault").notes.createMany(notes) }, 201);
    }
    const note = await readJsonBody<NewNote & Record<string, unknown>>(raw, NOTE_FIELDS, MAX_BODY);
    return c.json(c.get("vault").notes.create(note), 201);
  });

  // A note is addressed by id or by its path, slashes and all; `/backlinks` and `/links` follow it.
  app.get("/notes/:ref{.+}", reads, (c) => {
    const notes = c.get("vault").notes;
    const ref = c.req.param("ref");
    const sub = /^(.+)\/(backlinks|links)$/.exec(ref);
    if (sub?.[2] === "backlinks") return c.json({ backlinks: notes.backlinks(sub[1]!) });
    if (sub?.[2] === "links") return c.json({ links: notes.links(sub[1]!) });
    const files = /^(.+)\/attachments$/.exec(ref);
    if (files) return c.json({ attachments: c.get("vault").attachments.list(notes.get(files[1]!).id) });
    return c.json(notes.get(ref));
  });

  // Uploads stream straight to disk: `POST notes/<ref>/attachments?name=<file name>` with the raw bytes.
  app.post("/notes/:ref{.+}", writes, async (c) => {
    const sub = /^(.+)\/attachments$/.exec(c.req.param("ref"));
    if (!sub)
      throw new HttpError(404, "not_found", "POST a note to /notes, or a file to /notes/<ref>/attachments");
    const vault = c.get("vault");
    const note = vault.notes.get(sub[1]!);
    const declared = Number(c.req.header("content-length") ?? -1);
    if (declared > vault.attachments.maxBytes) {
      throw new HttpError(
        413,
        "attachment_too_large",
        `attachments are at most ${sizeInWords(vault.attachments.maxBytes)}`,
      );
    }
    const transcribe = c.req.query("transcribe");
    if (transcribe !== undefined && transcribe !== "true" && transcribe !== "false")
      throw new HttpError(400, "invalid_field", '"transcribe" must be true or false');
    const body = c.req.raw.body ?? new Uint8Array();
    const attachment = await vault.attachments.add(note.id, c.req.query("name") ?? "", body);
    if (transcribe !== "true") return c.json(attachment, 201);
    try {
      vault.transcriptions.enqueue(attachment.id);
    } catch (err) {
      // Refused for transcription: the upload is not kept either, so nothing is half done.
      vault.attachments.delete(attachment.id);
      throw err;
    }
    return c.json({ ...attachment, transcription: "pending" }, 201);
  });

  app.get("/attachments/:id", reads, (c) => {
    const a = c.get("vault").attachments.get(c.req.param("id"));
    const inline = /^(image|audio|video)\//.test(a.mime) && a.mime !== "image/svg+xml";
    return new Response(Bun.file(a.file), {
      headers: {
        "content-type": a.mime,
        "content-length": String(a.size),
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "content-disposition": `${inline ? "inline" : "attachment"}; filename*=UTF-8''${encodeURIComponent(a.name)}`,
      },
    });
  });

  app.delete("/attachments/:id", writes, (c) => {
    c.get("vault").attachments.delete(c.req.param("id"));
    return c.json({ deleted: true });
  });

  app.patch("/notes/:ref{.+}", writes, async (c) => {
    const patch = await readJsonBody<NotePatch & Record<string, unknown>>(c.req.raw, PATCH_FIELDS, MAX_BODY);
    return c.json(c.get("vault").notes.update(c.req.param("ref"), patch));
  });

  app.delete("/notes/:ref{.+}", writes, (c) => {
    const vault = c.get("vault");
    vault.attachments.deleteNote(vault.notes, vault.notes.get(c.req.param("ref")).id);
    return c.json({ deleted: true });
  });

  app.get("/tags", reads, (c) => c.json({ tags: listTags(c.get("vault").db) }));

  // Renaming onto an existing tag merges the two.
  app.post("/tags/rename", writes, async (c) => {
    const { from, to } = await readJsonBody<{ from: string; to: string }>(c.req.raw, {
      from: { type: "string", required: true },
      to: { type: "string", required: true },
    });
    return c.json({ renamed: renameTag(c.get("vault").db, from, to) });
  });

  app.delete("/tags/:tag", writes, (c) =>
    c.json({ deleted: deleteTag(c.get("vault").db, c.req.param("tag")) }),
  );

  app.get("/folders", reads, (c) =>
    c.json({ folders: cachedFolders(c.get("vault").db, c.req.query("parent") ?? "") }),
  );

  app.get("/info", reads, (c) => c.json(vaultStats(c.get("vault"))));

  // Vault API tokens for headless use; managing them needs admin rights on the vault.
  const admins = can("admin");
  app.post("/tokens", admins, async (c) => {
    const body = await readJsonBody<{ scope: string; ttl: string; label: string }>(c.req.raw, {
      scope: { type: "string", required: true },
      ttl: { type: "string" },
      label: { type: "string" },
    });
    const { token, info } = c.get("vault").tokens.create(body.scope, ttlMs(body.ttl ?? "30d"), body.label);
    return c.json({ token, ...info }, 201);
  });
  app.get("/tokens", admins, (c) => c.json({ tokens: c.get("vault").tokens.list() }));
  app.delete("/tokens/:id", admins, (c) => {
    c.get("vault").tokens.revoke(c.req.param("id"));
    return c.json({ revoked: c.req.param("id") });
  });

  return app;
}
