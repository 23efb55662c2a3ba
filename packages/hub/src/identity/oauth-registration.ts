import { HubError } from "../errors.ts";
import type { OAuthStore } from "./oauth-store.ts";

/** RFC 7591 registration answer for a public client. */
export interface Registered {
  client_id: string;
  client_name: string;
  redirect_uris: string[];
  token_endpoint_auth_method: "none";
  grant_types: string[];
  response_types: string[];
  client_id_issued_at: number;
}

const invalid = (code: string, description: string) => new HubError("invalid", code, description);

/**
 * RFC 7591 dynamic registration of a public client: unknown metadata is ignored, not refused;
 * redirect addresses must be https, or http on a loopback name; registrations are bounded
 * (oauth-store.ts).
 */
export function registerClient(store: OAuthStore, body: string, from: string, now: number): Registered {
  const text = body.replace(/^\uFEFF/, "");
  if (Buffer.byteLength(text) > 16 * 1024)
    throw new HubError("too_large", "invalid_client_metadata", "the registration is too large");
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(text);
    if (typeof meta !== "object" || meta === null || Array.isArray(meta)) throw new Error("not an object");
  } catch {
    throw invalid("invalid_client_metadata", "the body must be a JSON object");
  }
  const uris = meta.redirect_uris;
  const fit = (u: unknown) => typeof u === "string" && u.length <= 2048 && validRedirect(u);
  if (!Array.isArray(uris) || uris.length === 0 || uris.length > 10 || !uris.every(fit)) {
    throw invalid(
      "invalid_redirect_uri",
      "redirect_uris must be 1–10 https (or loopback http) URLs without fragments",
    );
  }
  if (meta.token_endpoint_auth_method !== undefined && meta.token_endpoint_auth_method !== "none") {
    throw invalid(
      "invalid_client_metadata",
      "only public clients (token_endpoint_auth_method none) are supported",
    );
  }
  const name = typeof meta.client_name === "string" ? meta.client_name.slice(0, 100) : "Unnamed app";
  const client = store.registerClient(name, uris as string[], from);
  if ("retryAfterS" in client) {
    throw new HubError(
      "throttled",
      "too_many_registrations",
      "too many apps were registered; try again later",
      {
        retryAfterS: client.retryAfterS,
      },
    );
  }
  return {
    client_id: client.clientId,
    client_name: client.name,
    redirect_uris: client.redirectUris,
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    client_id_issued_at: Math.floor(now / 1000),
  };
}

function validRedirect(uri: string): boolean {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  if (u.hash || u.username || u.password) return false;
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(u.hostname);
  return u.protocol === "https:" || (u.protocol === "http:" && loopback);
}
