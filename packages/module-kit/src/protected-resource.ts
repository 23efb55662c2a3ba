/**
 * RFC 9728 helpers for a module's OAuth-protected resource (such as the vault's MCP endpoint), so an
 * MCP client given only the resource URL can find the hub's authorization server.
 */

/** Where the metadata for `resourceUrl` lives: under the origin's `/.well-known`, which the hub serves. */
export function resourceMetadataUrl(resourceUrl: string): string {
  const u = new URL(resourceUrl);
  return `${u.origin}/.well-known/oauth-protected-resource${u.pathname === "/" ? "" : u.pathname}`;
}

/** The metadata document for a resource protected by the hub at `hubOrigin`. */
export function protectedResourceMetadata(resourceUrl: string, hubOrigin: string, scopes: string[]) {
  return {
    resource: resourceUrl,
    authorization_servers: [hubOrigin],
    scopes_supported: scopes,
    bearer_methods_supported: ["header"],
  };
}

/** The `WWW-Authenticate` value of a 401 from the resource, pointing clients at its metadata. */
export function resourceChallenge(
  resourceUrl: string,
  error?: "invalid_token" | "insufficient_scope",
): string {
  const parts = [`resource_metadata="${resourceMetadataUrl(resourceUrl)}"`];
  if (error) parts.unshift(`error="${error}"`);
  return `Bearer ${parts.join(", ")}`;
}
