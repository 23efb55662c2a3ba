import { HttpError, type TokenVerifier } from "@parachute/module-kit";
import { TOKEN_PREFIX } from "./core/vault-tokens.ts";
import type { VaultSet } from "./core/vaults.ts";
import type { Authorize } from "./rest/app.ts";

/**
 * Vault access: a hub token with `vault:<verb>` (every vault) or `vault:<name>:<verb>` (one), or one
 * of the vault's own API tokens; `admin` ⊇ `write` ⊇ `read` for both.
 */
export function vaultAuth(verifier: TokenVerifier, vaults: VaultSet): Authorize {
  return async (req, vault, verb) => {
    const header = req.headers.get("authorization") ?? "";
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (bearer?.startsWith(TOKEN_PREFIX)) {
      const tokens = vaults.get(vault).tokens;
      if (tokens.allows(bearer, verb)) return;
      if (tokens.verbOf(bearer) === null) {
        throw new HttpError(401, "invalid_token", "the vault token is unknown, expired or revoked", {
          "www-authenticate": 'Bearer error="invalid_token"',
        });
      }
      throw new HttpError(403, "insufficient_scope", `this needs a token with the ${verb} right`, {
        "www-authenticate": `Bearer error="insufficient_scope", scope="vault:${vault}:${verb}"`,
      });
    }
    await verifier.verify(header, `vault:${vault}:${verb}`);
  };
}
