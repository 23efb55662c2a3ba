import type { HubInfo } from "../api-types.ts";
import type { Hub } from "../hub.ts";
import type { Identity } from "../identity/identity.ts";
import type { OAuthServer } from "../identity/oauth-server.ts";
import type { OAuthStore } from "../identity/oauth-store.ts";
import type { Site } from "../platform/origin.ts";

/** What every sub-app of the hub's own HTTP app is built from. */
export interface AppDeps {
  hub: Hub;
  identity: Identity;
  oauth: OAuthServer;
  oauthStore: OAuthStore;
  site: Site;
  now: () => number;
  clientIp: (req: Request) => string;
  hubInfo: () => HubInfo;
  /** The largest backup the admin app may upload to restore (`PARACHUTE_RESTORE_MAX_MB`, default 4096). */
  maxRestoreBytes: number;
  /** The runtime file's secret, with which `/health` proves to local tools that it is this hub. */
  runtimeSecret: string;
}

/** A form or query field as a string ("" when absent or a file). */
export function formField(form: FormData, key: string): string {
  const v = form.get(key);
  return typeof v === "string" ? v : "";
}
