import pkg from "../package.json" with { type: "json" };

/** Set by the pack script when it bundles the hub, to the version it packs. */
declare const PARACHUTE_BUILD_VERSION: string | undefined;

/** The hub's version: the packed build's, else its package.json's. */
export const HUB_VERSION: string =
  typeof PARACHUTE_BUILD_VERSION === "string" ? PARACHUTE_BUILD_VERSION : pkg.version;
