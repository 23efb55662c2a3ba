import { HttpError } from "@parachute/module-kit";
import { JobQueue } from "../src/core/queue.ts";
import { type Settings, settingsFrom } from "../src/core/settings.ts";
import { scribeApp } from "../src/http/app.ts";
import { tempDir } from "./speech.ts";

/** The bearer scribe's test apps accept; the hub's tokens are tested through a real hub in e2e/. */
export const TEST_KEY = "scribe-test-key";

/**
 * Scribe's app as the module serves it, with settings a test may change, a real queue and real
 * engines; only the hub's token check is replaced by a fixed key.
 */
export function testApp(overrides: Partial<Settings> = {}) {
  let settings: Settings = { ...settingsFrom({}), ...overrides };
  const logged: string[] = [];
  const workDir = tempDir();
  const app = scribeApp({
    settings: () => settings,
    queue: new JobQueue(() => settings.queueSize),
    authorize: async (req) => {
      if (req.headers.get("authorization") !== `Bearer ${TEST_KEY}`)
        throw new HttpError(401, "invalid_token", "no valid token");
    },
    workDir,
    origin: "",
    log: (line) => logged.push(line),
  });
  return {
    app,
    logged,
    workDir,
    set(patch: Partial<Settings>) {
      settings = { ...settings, ...patch };
    },
  };
}
