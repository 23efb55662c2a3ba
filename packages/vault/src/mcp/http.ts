import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { HttpError, resourceChallenge } from "@parachute/module-kit";
import { VaultError } from "../core/errors.ts";
import type { VaultSet } from "../core/vaults.ts";
import type { McpAccess } from "./access.ts";
import { vaultMcpServer } from "./server.ts";

const MCP_PATH = /^\/vault\/([a-z0-9][a-z0-9-]{0,39})\/mcp\/?$/;

/** The vault named by an MCP endpoint path (`/vault/<name>/mcp`, a trailing slash too), or null. */
export function mcpVaultName(req: Request): string | null {
  return MCP_PATH.exec(new URL(req.url).pathname)?.[1] ?? null;
}

export interface McpHttpOptions {
  vaults: VaultSet;
  access: McpAccess;
  /** The hub's public origin: the endpoint's resource URL is `<origin>/vault/<name>/mcp`. */
  publicOrigin: string;
  version: string;
}

/**
 * The vault's MCP endpoint over streamable HTTP, stateless: every POST gets a fresh server and
 * transport, no session id is issued, and the answer is plain JSON. Nothing survives a request, so a
 * restarted vault serves a connected client's next call as if nothing happened. There is no
 * server-to-client stream, so GET (and DELETE of a session) are 405.
 *
 * A missing or bad token is a 401 whose `WWW-Authenticate` points at the resource's RFC 9728 metadata,
 * which is how an MCP client given only this URL finds the hub's OAuth server.
 */
export function mcpHttp(opts: McpHttpOptions): (req: Request, name: string) => Promise<Response> {
  return async (req, name) => {
    const resource = `${clientOrigin(req, opts.publicOrigin)}${new URL(req.url).pathname}`;
    const scope = await opts.access(req, name).catch((err) => {
      throw challenge(err, resource, name, req.headers.has("authorization"));
    });
    if (req.method !== "POST") {
      throw new HttpError(405, "method_not_allowed", "this MCP endpoint is stateless: POST only", {
        allow: "POST",
      });
    }
    const server = vaultMcpServer(vaultOrError(opts.vaults, name), scope, opts.version);
    const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
    await server.connect(transport);
    try {
      return await transport.handleRequest(req);
    } finally {
      await server.close();
    }
  };
}

function vaultOrError(vaults: VaultSet, name: string) {
  try {
    return vaults.get(name);
  } catch (err) {
    throw err instanceof VaultError ? asHttp(err) : err;
  }
}

/** A core error met before any MCP exchange (no such vault) as its HTTP answer. */
function asHttp(err: VaultError): HttpError {
  return new HttpError(err.kind === "not_found" ? 404 : 400, err.code, err.message);
}

/**
 * The origin the client used, as the hub forwarded it (`X-Forwarded-Proto` and `-Host`; the hub
 * answers only to host names it knows), so the metadata a challenge points at is on that origin;
 * else the hub's public origin.
 */
function clientOrigin(req: Request, fallback: string): string {
  const host = req.headers.get("x-forwarded-host");
  const proto = req.headers.get("x-forwarded-proto");
  if (!host || (proto !== "http" && proto !== "https") || !/^[a-z0-9.[\]:-]+$/i.test(host)) return fallback;
  return `${proto}://${host}`;
}

/**
 * Rewrites an auth failure so its challenge names this resource's metadata and the scope to ask for
 * (this vault, to read and write); a request without any credential gets no error code (RFC 6750
 * §3.1).
 */
function challenge(err: unknown, resource: string, name: string, hadCredential: boolean): unknown {
  if (err instanceof VaultError) return asHttp(err);
  if (!(err instanceof HttpError)) return err;
  const scope = `scope="vault:${name}:write"`;
  if (err.status === 401) {
    const header = hadCredential ? resourceChallenge(resource, "invalid_token") : resourceChallenge(resource);
    return new HttpError(401, hadCredential ? "invalid_token" : "unauthorized", err.message, {
      "www-authenticate": `${header}, ${scope}`,
    });
  }
  if (err.status === 403) {
    return new HttpError(403, "insufficient_scope", err.message, {
      "www-authenticate": `${resourceChallenge(resource, "insufficient_scope")}, ${scope}`,
    });
  }
  return err;
}
