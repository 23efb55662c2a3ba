import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { writeFileAtomic } from "@parachute/module-kit";
import { audiencesOf, type TokenIssuer } from "./issuer.ts";

/** How long a service token lives; it is renewed when a third of that is left. */
const TTL_S = 3600;
const RENEW_BELOW_S = TTL_S / 3;

interface Held {
  token: string;
  jti: string;
  exp: number;
  scope: string;
}

/** Where a module's service token lives: in its data folder, 0600, named in its environment. */
export function serviceTokenFile(home: string, short: string): string {
  return join(home, short, ".service-token");
}

/**
 * Module-to-module credentials. A module whose manifest `needs` scopes of other modules gets a
 * short-lived hub token for them, written to its token file, renewed while it runs, listed with the
 * operator's tokens as `module <short>`. Revoking it cuts the module off until its next start; an
 * uninstalled module's tokens are revoked.
 */
export class ServiceTokens {
  constructor(
    private readonly issuer: TokenIssuer,
    private readonly home: string,
    private readonly now: () => number,
  ) {}

  /**
   * Makes sure `short` holds a live token for `needs`. `starting` re-grants after a revocation (the
   * operator restarted the module); the periodic renewal does not.
   */
  async ensure(short: string, needs: string[], starting: boolean): Promise<void> {
    const file = serviceTokenFile(this.home, short);
    if (needs.length === 0) {
      rmSync(file, { force: true });
      return;
    }
    const scope = needs.join(" ");
    const held = this.read(file);
    const leftS = held ? held.exp - this.now() / 1000 : 0;
    if (held && held.scope === scope && leftS > RENEW_BELOW_S && !this.issuer.isRevoked(held.jti)) return;
    if (held && this.issuer.isRevoked(held.jti) && !starting) return;
    const issued = await this.issuer.issue({
      sub: `module:${short}`,
      aud: audiencesOf(scope),
      scope,
      ttlS: TTL_S,
      kind: "service",
      label: `module ${short}`,
    });
    const next: Held = { token: issued.token, jti: issued.jti, exp: issued.exp, scope };
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileAtomic(file, `${JSON.stringify(next)}\n`, 0o600);
  }

  /** Revokes every token a module was given, and removes its file (it was uninstalled). */
  revokeAll(short: string): void {
    this.issuer.revokeLabel(`module ${short}`);
    rmSync(serviceTokenFile(this.home, short), { force: true });
  }

  private read(file: string): Held | null {
    if (!existsSync(file)) return null;
    try {
      return JSON.parse(readFileSync(file, "utf8")) as Held;
    } catch {
      return null;
    }
  }
}
