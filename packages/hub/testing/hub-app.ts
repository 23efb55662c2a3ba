import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assemble, type HubParts } from "../src/assemble.ts";
import { startServer } from "../src/http/server.ts";
import { ensureHome, resolveHome } from "../src/platform/home.ts";
import { DEFAULT_LOG_OPTIONS } from "../src/supervisor/log-sink.ts";
import { realEffects } from "../src/supervisor/real-effects.ts";
import { TEST_SETUP_TOKEN } from "./hub-process.ts";

/** How a suite reaches the hub's own app: in memory, or over a real socket. */
export type AppMode = "in memory" | "on port 0";

export interface HubApp {
  parts: HubParts;
  /** The origin requests go to, which is also what the hub's CSRF check expects in `Origin`. */
  origin: string;
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

const noGuard = { add() {}, remove() {}, close() {} };

/**
 * The hub as `serve` assembles it, on a temp home with no modules: called in memory through
 * `app.request`, or behind the real front door (`startServer`) on port 0.
 */
export async function hubApp(mode: AppMode, env: Record<string, string> = {}): Promise<HubApp> {
  const root = mkdtempSync(join(tmpdir(), "parachute-app-"));
  const home = resolveHome({ PARACHUTE_HOME: root });
  ensureHome(home);
  const parts = await assemble({
    home,
    env: { PARACHUTE_SETUP_TOKEN: TEST_SETUP_TOKEN, ...env },
    effects: realEffects(noGuard),
    logOptions: { ...DEFAULT_LOG_OPTIONS, dir: home.logs, echo: () => {} },
  });
  const done = () => {
    parts.db.close();
    rmSync(root, { recursive: true, force: true });
  };
  if (mode === "in memory") {
    parts.listening(0, () => "127.0.0.1");
    return {
      parts,
      origin: "http://localhost",
      request: async (path, init) => parts.app.request(path, init),
      close: async () => done(),
    };
  }
  const server = startServer({
    hostname: "127.0.0.1",
    port: 0,
    app: parts.app,
    proxy: parts.proxy,
    routes: () => parts.hub.installed.routes(),
    knownHost: parts.knownHost,
  });
  parts.listening(server.port!, (req) => server.requestIP(req)?.address ?? "unknown");
  const origin = `http://127.0.0.1:${server.port}`;
  return {
    parts,
    origin,
    request: (path, init) => fetch(`${origin}${path}`, { redirect: "manual", ...init }),
    close: async () => {
      await server.stop(true);
      done();
    },
  };
}
