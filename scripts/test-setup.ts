/**
 * Loaded before the test files (bunfig.toml). Test files share loaded modules, so a hook registered by
 * a helper module would run for one file only; registered here, it runs once after the whole run:
 * whatever a test did, no hub it started and no temp home it made outlives the run.
 */
import { afterAll } from "bun:test";
import { join } from "node:path";
import { cleanUp } from "../packages/hub/testing/hub-process.ts";
import { buildWeb } from "./build-web.ts";

// The hub serves the admin app's build; one edited since `npm ci` is built again before the tests.
await buildWeb(join(import.meta.dir, "..", "packages", "admin"));

afterAll(cleanUp);
