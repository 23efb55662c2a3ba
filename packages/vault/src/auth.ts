import type { TokenVerifier } from "@parachute/module-kit";
import type { Authorize } from "./rest/app.ts";

/**
 * Vault access from hub tokens: `vault:<verb>` for every vault, or `vault:<name>:<verb>` for one;
 * `admin` ⊇ `write` ⊇ `read`.
 */
export function hubTokenAuth(verifier: TokenVerifier): Authorize {
  return async (req, vault, verb) => {
    await verifier.verify(req.headers.get("authorization"), `vault:${vault}:${verb}`);
  };
}
