import { afterEach, beforeEach } from "bun:test";
import { TokenVerifier } from "@parachute/module-kit";
import { vaultAuth } from "../src/auth.ts";
import type { Verb } from "../src/core/vault-tokens.ts";
import { restApp } from "../src/rest/app.ts";
import { type TempVaults, vaultsPerTest } from "./core.ts";

/** How a suite reaches the REST app: in memory through `app.request`, or over HTTP on port 0. */
export type RestTransport = "in memory" | "on port 0";

/** The REST app over a fresh temp vault, as one test sees it. */
export interface RestVault {
  /** The data folder and VaultSet behind the app. */
  t: TempVaults;
  /** Sends a request to `path` (from the root: `/vault/default/api/notes`). */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** `authorization` (and a JSON content type) for a live vault token of each verb on `default`. */
  as: Record<Verb, Record<string, string>>;
}

/**
 * A fresh vault and REST app for every test of the calling file or `describe` block, reached through
 * `transport`, with one vault token per verb. There is no hub: the app authorises vault tokens, and
 * any other bearer goes to a verifier that knows no hub keys.
 */
export function restVaultPerTest(transport: RestTransport): RestVault {
  const t = vaultsPerTest();
  let request: RestVault["request"] | null = null;
  let as: RestVault["as"] | null = null;
  let server: ReturnType<typeof Bun.serve> | null = null;

  beforeEach(() => {
    const verifier = new TokenVerifier({
      issuer: "http://hub.invalid",
      audience: "vault",
      hubUrl: "http://hub.invalid",
    });
    const app = restApp(t.vaults, vaultAuth(verifier, t.vaults));
    if (transport === "in memory") {
      request = async (path, init) => app.request(path, init);
    } else {
      const live = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.fetch });
      server = live;
      request = (path, init) => fetch(new URL(path, live.url), init);
    }
    const header = (verb: Verb) => ({
      authorization: `Bearer ${t.vault.tokens.create(verb, 3_600_000, `test ${verb}`).token}`,
      "content-type": "application/json",
    });
    as = { read: header("read"), write: header("write"), admin: header("admin") };
  });
  afterEach(async () => {
    await server?.stop(true);
    server = null;
    request = null;
    as = null;
  });

  const ready = <T>(v: T | null): T => {
    if (v === null) throw new Error("restVaultPerTest: read inside a test or a hook");
    return v;
  };
  return {
    t,
    request: (path, init) => ready(request)(path, init),
    get as() {
      return ready(as);
    },
  };
}
