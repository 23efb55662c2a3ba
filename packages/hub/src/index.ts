export { runCli } from "./cli/main.ts";
export { Hub } from "./hub.ts";
export { type RunningHub, type ServeOptions, serve } from "./serve.ts";
export { HUB_VERSION } from "./version.ts";
