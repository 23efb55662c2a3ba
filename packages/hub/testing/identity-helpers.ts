/** Shared helpers of the identity tests (real hub processes). */
import { expect } from "bun:test";
import { Secret, TOTP } from "otpauth";
import { type HubProcess, startHub, tempHome, waitFor } from "./hub-process.ts";

export const HUB_TEST_MS = 30_000;
export const PRIVATE_JWK_FIELDS = ["d", "p", "q", "dp", "dq", "qi", "k"];

/** A JSON request; `headers` are added as given (a cookie, a CSRF token, an Origin). */
export function send(
  origin: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${origin}${path}`, {
    method,
    redirect: "manual",
    headers: {
      accept: "application/json",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** The `error` code of a JSON error response. */
export async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: string }).error;
}

/** Runs `fn` with a hub that is always stopped afterwards. */
export async function withHub(
  env: Record<string, string>,
  opts: { setup?: boolean },
  fn: (hub: HubProcess) => Promise<void>,
): Promise<void> {
  const hub = await startHub(tempHome(), env, opts);
  try {
    await fn(hub);
  } finally {
    await hub.stop();
  }
}

/** Headers for a cookie-authenticated state change that passes CSRF. */
export function csrfHeaders(hub: HubProcess, origin = hub.origin): Record<string, string> {
  return { cookie: hub.session!.cookie, "x-csrf-token": hub.session!.csrf, origin };
}

export function login(origin: string, body: Record<string, string>): Promise<Response> {
  return send(origin, "POST", "/api/login", body);
}

/** Waits until `ms` have passed since `from` (a Retry-After period), polling the clock. */
export function waitUntil(from: number, ms: number, what: string): Promise<true> {
  return waitFor(() => performance.now() >= from + ms || null, what, ms + 2_000);
}

/** Everything a stopped hub printed, once its last line ("stopped") has been read. */
export function stoppedOutput(hub: HubProcess): Promise<string> {
  return waitFor(() => (/\[hub\] stopped\n/.test(hub.output()) ? hub.output() : null), "the hub's last line");
}

/** The TOTP code for a base32 secret right now. */
export function totpNow(secret: string, timestamp = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp });
}

/** Turns on 2FA for the admin through the API; returns the secret and backup codes. */
export async function enableTotp(hub: HubProcess): Promise<{ secret: string; backupCodes: string[] }> {
  const enroll = await send(hub.origin, "POST", "/api/account/2fa/enroll", {}, csrfHeaders(hub));
  expect(enroll.status).toBe(200);
  const { secret, uri } = (await enroll.json()) as { secret: string; uri: string };
  expect(uri).toStartWith("otpauth://totp/");
  const confirm = await send(
    hub.origin,
    "POST",
    "/api/account/2fa/confirm",
    { code: totpNow(secret) },
    csrfHeaders(hub),
  );
  expect(confirm.status).toBe(200);
  const { backupCodes } = (await confirm.json()) as { backupCodes: string[] };
  return { secret, backupCodes };
}
