import { HttpError, type TokenVerifier } from "@parachute/module-kit";
import { TOKEN_PREFIX } from "../core/vault-tokens.ts";
import type { VaultSet } from "../core/vaults.ts";

/**
 * The scopes a request holds over one vault (hub scope syntax), at least `vault:<name>:read`; throws
 * 401 for a missing or bad token and 403 for one without read access to this vault.
 */
export type McpAccess = (req: Request, vault: string) => Promise<string>;

/** Hub tokens carry their scopes; a vault API token is turned into the one scope its verb gives. */
export function mcpAccess(verifier: TokenVerifier, vaults: VaultSet): McpAccess {
  return async (req, name) => {
    const header = req.headers.get("authorization");
    const bearer = /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1];
    if (bearer?.startsWith(TOKEN_PREFIX)) {
      const tokens = vaults.get(name).tokens;
      const verb = (["admin", "write", "read"] as const).find((v) => tokens.allows(bearer, v));
      if (!verb) throw new HttpError(401, "invalid_token", "the vault token is unknown, expired or revoked");
      return `vault:${name}:${verb}`;
    }
    return (await verifier.verify(header, `vault:${name}:read`)).scope;
  };
}
