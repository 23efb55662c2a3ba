import type { OperationView as Operation, OperationEvent } from "../../../hub/src/api-types.ts";

/**
 * The hub's API as the admin app uses it: the session cookie identifies the admin, and every change
 * carries the session's CSRF token. No token is kept in the page or in storage.
 */

// The hub's wire types, shared with the server that sends them (a file that imports nothing).
export type {
  HubInfo,
  ModuleStatus,
  OperationEvent,
  OperationView as Operation,
} from "../../../hub/src/api-types.ts";

export interface CatalogEntry {
  short: string;
  displayName: string;
  tagline: string;
  installed: boolean;
  available: boolean;
}

/** A refusal from the hub (or a module), in its own plain words. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

let csrf: string | null = null;

/** Sends the browser to log in, and back here afterwards. */
export function toLogin(): never {
  location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
  throw new ApiError(401, "unauthorized", "Log in to continue.");
}

async function send(url: string, init: RequestInit = {}, loginOn401 = true): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { credentials: "same-origin", ...init });
  } catch {
    throw new ApiError(0, "offline", "The hub cannot be reached. Is it running?");
  }
  if (res.status === 401 && loginOn401) toLogin();
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: unknown; message?: unknown };
    const message = typeof body.message === "string" ? body.message : `The hub answered ${res.status}.`;
    const retry = Number(res.headers.get("retry-after"));
    throw new ApiError(
      res.status,
      String(body.error ?? "error"),
      message,
      Number.isFinite(retry) && retry > 0 ? retry : null,
    );
  }
  return res;
}

/** Remembers the CSRF token a login, setup or session answer carries. */
export function rememberCsrf(token: string): void {
  csrf = token;
}

/** The logged-in admin, or null when nobody is (without leaving the page). */
export async function session(): Promise<{ username: string } | null> {
  try {
    const res = await send("/api/session", {}, false);
    const body = (await res.json()) as { user: { username: string }; csrf: string };
    csrf = body.csrf;
    return body.user;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

/** A JSON call to the hub (or, with a path under a module's mount, to the module through it). */
export async function call<T>(method: string, path: string, body?: unknown, loginOn401 = true): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== "GET" && csrf) headers["x-csrf-token"] = csrf;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await send(
    path,
    { method, headers, body: body === undefined ? undefined : JSON.stringify(body) },
    loginOn401,
  );
  return (await res.json()) as T;
}

/**
 * Starts an operation (install, restart, …) and reports each of its events until it ends; resolves
 * with the finished operation.
 */
export async function runOperation(
  method: string,
  path: string,
  body: unknown,
  onEvent: (e: OperationEvent) => void,
): Promise<Operation> {
  const { operation_id } = await call<{ operation_id: string }>(method, path, body);
  return follow(operation_id, onEvent);
}

/** Follows an operation's event stream to its end. */
export function follow(id: string, onEvent: (e: OperationEvent) => void): Promise<Operation> {
  return new Promise((resolve, reject) => {
    const stream = new EventSource(`/api/operations/${encodeURIComponent(id)}/events`);
    const on = (ev: MessageEvent) => onEvent(JSON.parse(ev.data) as OperationEvent);
    stream.addEventListener("step", on);
    stream.addEventListener("log", on);
    stream.addEventListener("done", (ev) => {
      stream.close();
      resolve(JSON.parse((ev as MessageEvent).data) as Operation);
    });
    stream.onerror = () => {
      stream.close();
      // The stream broke (the hub restarting, say): ask for the operation until it has ended.
      const poll = () =>
        call<{ operation: Operation }>("GET", `/api/operations/${encodeURIComponent(id)}`).then((r) => {
          if (r.operation.state === "succeeded" || r.operation.state === "failed") resolve(r.operation);
          else setTimeout(poll, 1000);
        }, reject);
      poll();
    };
  });
}

/** Sends a backup archive to restore; resolves with the operation that restores it. */
export async function uploadRestore(file: File): Promise<string> {
  const headers: Record<string, string> = { "content-type": "application/gzip" };
  if (csrf) headers["x-csrf-token"] = csrf;
  const res = await send("/api/hub/restore", { method: "POST", headers, body: file });
  return ((await res.json()) as { operation_id: string }).operation_id;
}

export async function logout(): Promise<void> {
  await call("POST", "/api/logout");
  location.assign("/login");
}
