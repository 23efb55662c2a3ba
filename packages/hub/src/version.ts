import pkg from "../package.json" with { type: "json" };

/** The hub's version, from its package.json. */
export const HUB_VERSION: string = pkg.version;
