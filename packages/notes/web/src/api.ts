/**
 * The vault's REST API as the notes app uses it, through the hub: the hub's session cookie
 * identifies the person (the hub injects a short-lived token for the vault), and every write carries
 * the session's CSRF token. No token is ever held in the page.
 */

export interface Note {
  id: string;
  path: string;
  content: string;
  metadata: Record<string, unknown>;
  tags: string[];
  created_at: string;
  updated_at: string;
}

export interface Attachment {
  id: string;
  note_id: string;
  name: string;
  mime: string;
  size: number;
  created_at: string;
}

export interface Link {
  target: string;
  id: string | null;
  kind: string;
  heading: string | null;
  alias: string | null;
}

/** A note that links to another, as the backlinks list names it. */
export interface Backlink {
  id: string;
  path: string;
  kind: string;
}

export interface Folder {
  name: string;
  path: string;
  count: number;
  nested: boolean;
}

/** A refusal from the vault or the hub, with its stable code and plain message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The network did not answer: the app is offline (or the hub is down). */
export class OfflineError extends Error {
  constructor() {
    super("The hub cannot be reached (offline?). Notes need it; captures made now are kept and sent later.");
  }
}

let csrf: string | null = null;
let vaultName = "default";

/** Where the hub's login page sends a person back to after logging in. */
function toLogin(): never {
  const next = `${location.pathname}${location.hash}`;
  location.assign(`/login?next=${encodeURIComponent(next)}`);
  throw new ApiError(401, "unauthorized", "Your session has ended: log in again.");
}

async function send(url: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { credentials: "same-origin", ...init });
  } catch (err) {
    if (init.signal?.aborted) throw err;
    throw new OfflineError();
  }
  if (res.status === 401) toLogin();
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    const message =
      typeof body.message === "string"
        ? body.message
        : `The server answered ${res.status} ${res.statusText}.`;
    throw new ApiError(res.status, String(body.error ?? "error"), message, body);
  }
  return res;
}

/** Who is logged in, and the session's CSRF token for writes; sends a stranger to the login page. */
export async function startSession(): Promise<{ user: string }> {
  const res = await send("/api/session");
  const body = (await res.json()) as { user: { username: string } | string; csrf: string };
  csrf = body.csrf;
  const index = (await (await send("/vault/")).json()) as { vaults: { name: string }[] };
  const names = index.vaults.map((v) => v.name);
  vaultName = names.includes("default") ? "default" : (names[0] ?? "default");
  return { user: typeof body.user === "string" ? body.user : body.user.username };
}

const base = () => `/vault/${encodeURIComponent(vaultName)}/api`;

/** A note reference (an id, or a path) as it goes into a URL: each segment encoded, slashes kept. */
function refPath(ref: string): string {
  const segments = ref.split("/");
  // The vault would refuse these too; refused here, a crafted address never makes the page ask elsewhere.
  if (segments.some((s) => s === "" || s === "." || s === ".."))
    throw new ApiError(400, "invalid_path", `"${ref}" is not a note's id or path`);
  return segments.map(encodeURIComponent).join("/");
}

async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== "GET") {
    if (!csrf) await startSession();
    headers["x-csrf-token"] = csrf ?? "";
  }
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await send(`${base()}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  return (await res.json()) as T;
}

export interface ListQuery {
  search?: string;
  tags?: string[];
  folder?: string;
  cursor?: string;
  offset?: number;
  limit?: number;
}

const OPERATOR = /^(AND|OR|NOT|NEAR)$/;

/**
 * What the search box sends. Plain typing, punctuation and all (`don't`, `12:30`, `#work`), becomes
 * its words, each quoted, the last one a prefix while it is being typed (`quar` finds "quarterly";
 * after a space it is a whole word). A new word of one letter is left out until its second, as one
 * letter would match most of a vault (`quarterly b` searches "quarterly"). Written search syntax
 * (balanced quotes or brackets, `*`, `AND`/`OR`/`NOT`) goes to the vault as written, less an operator
 * still waiting for its other half. Nothing searchable at all is no search.
 */
export function asYouType(search: string): string {
  const text = search.trim();
  const count = (c: RegExp) => (text.match(c) ?? []).length;
  const quotes = count(/"/g);
  const tokens = text.split(/\s+/);
  const syntax =
    count(/\(/g) === count(/\)/g) &&
    ((quotes > 0 && quotes % 2 === 0) || /[*()]/.test(text) || tokens.some((t) => OPERATOR.test(t)));
  if (syntax) {
    while (tokens.length > 1 && OPERATOR.test(tokens.at(-1)!)) tokens.pop();
    while (tokens.length > 1 && OPERATOR.test(tokens[0]!)) tokens.shift();
    if (!OPERATOR.test(tokens[0]!) || tokens.length > 1) return tokens.join(" ");
  }
  const ended = /\s$/.test(search);
  const typed = text.split(/\s+/);
  const last = typed.at(-1) ?? "";
  const started = !ended && /^[\p{L}\p{N}]$/u.test(last);
  if (started) typed.pop();
  const words = typed.join(" ").match(/[\p{L}\p{N}]+/gu) ?? [];
  const prefix = !ended && !started && [...(words.at(-1) ?? "")].length > 1;
  return words.map((w, i) => `"${w}"${prefix && i === words.length - 1 ? "*" : ""}`).join(" ");
}

/** A note as the list shows it (the vault's `view=preview`): no content, a snippet with its matches. */
export interface NotePreview {
  id: string;
  path: string;
  title: string;
  snippet: { text: string; highlights: [number, number][] };
  tags: string[];
  created_at: string;
  updated_at: string;
}

/** One page of notes as previews: newest first, or by relevance for a search. */
export function listNotes(
  q: ListQuery,
  signal?: AbortSignal,
): Promise<{ notes: NotePreview[]; next_cursor: string | null }> {
  const p = new URLSearchParams();
  const search = q.search ? asYouType(q.search) : "";
  if (search) p.set("search", search);
  for (const t of q.tags ?? []) p.append("tag", t);
  if (q.folder) p.set("path_prefix", `${q.folder}/`);
  if (q.cursor) p.set("cursor", q.cursor);
  if (q.offset) p.set("offset", String(q.offset));
  p.set("limit", String(q.limit ?? 50));
  p.set("view", "preview");
  return call("GET", `/notes?${p}`, undefined, signal);
}

export const getNote = (ref: string) => call<Note>("GET", `/notes/${refPath(ref)}`);
export const createNote = (note: { path: string; content?: string; tags?: string[]; metadata?: object }) =>
  call<Note>("POST", "/notes", note);
export const updateNote = (id: string, patch: Record<string, unknown>) =>
  call<Note>("PATCH", `/notes/${refPath(id)}`, patch);
export const deleteNote = (id: string) => call<{ deleted: boolean }>("DELETE", `/notes/${refPath(id)}`);
export const backlinks = async (id: string) =>
  (await call<{ backlinks: Backlink[] }>("GET", `/notes/${refPath(id)}/backlinks`)).backlinks;
export const links = async (id: string) =>
  (await call<{ links: Link[] }>("GET", `/notes/${refPath(id)}/links`)).links;
export const attachments = async (id: string) =>
  (await call<{ attachments: Attachment[] }>("GET", `/notes/${refPath(id)}/attachments`)).attachments;
export const tags = async () => (await call<{ tags: { tag: string; count: number }[] }>("GET", "/tags")).tags;
export const folders = async (parent: string) =>
  (await call<{ folders: Folder[] }>("GET", `/folders?parent=${encodeURIComponent(parent)}`)).folders;
export const attachmentUrl = (id: string) => `${base()}/attachments/${encodeURIComponent(id)}`;

/** Ends the hub session (every module's page with it) and goes to the login page. */
export async function logout(): Promise<void> {
  if (!csrf) await startSession();
  await send("/api/logout", { method: "POST", headers: { "x-csrf-token": csrf ?? "" } });
  location.assign("/login");
}

/** Uploads a file to a note; `transcribe` sends audio on to scribe for a transcript. */
export async function upload(
  noteId: string,
  name: string,
  file: Blob,
  transcribe = false,
): Promise<Attachment & { transcription?: string }> {
  if (!csrf) await startSession();
  const q = new URLSearchParams({ name });
  if (transcribe) q.set("transcribe", "true");
  const res = await send(`${base()}/notes/${refPath(noteId)}/attachments?${q}`, {
    method: "POST",
    headers: { "x-csrf-token": csrf ?? "", "content-type": file.type || "application/octet-stream" },
    body: file,
  });
  return (await res.json()) as Attachment & { transcription?: string };
}
