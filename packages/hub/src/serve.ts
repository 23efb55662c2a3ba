import { randomBytes } from "node:crypto";
import { runningHub } from "@parachute/module-kit";
import type { Server } from "bun";
import { assemble, type HubParts, unusable } from "./assemble.ts";
import { applyPendingRestore } from "./backup/pending.ts";
import { startServer } from "./http/server.ts";
import type { Hub } from "./hub.ts";
import { ensureOperatorToken } from "./identity/operator-token.ts";
import { ensureHome, type Home, resolveHome } from "./platform/home.ts";
import { processAlive, readRuntime, removeRuntime, writeRuntime } from "./platform/runtime-file.ts";
import type { BridgeData } from "./proxy/websocket-bridge.ts";
import { DEFAULT_LOG_OPTIONS, ModuleLog } from "./supervisor/log-sink.ts";
import { realEffects } from "./supervisor/real-effects.ts";
import { startWatchdog } from "./supervisor/watchdog.ts";
import { HUB_VERSION } from "./version.ts";

/** How long a shutdown waits for an install or upgrade under way before stopping modules anyway. */
const OPERATION_GRACE_MS = 20_000;

export interface ServeOptions {
  port: number;
  hostname: string;
  env: Record<string, string | undefined>;
  /** Where the hub's and modules' log lines are echoed. */
  echo: (line: string) => void;
  /** Called when the hub has installed a new version of itself and should be restarted onto it. */
  onRestart?: () => void;
}

export interface RunningHub {
  home: Home;
  server: Server<BridgeData>;
  hub: Hub;
  /** Stops every module in parallel, then the server. */
  shutdown(): Promise<void>;
}

/** `parachute serve`: checks the home, assembles the hub, listens, recovers, boots the modules. */
export async function serve(opts: ServeOptions): Promise<RunningHub> {
  const home = resolveHome(opts.env);
  ensureHome(home);
  const other = readRuntime(home.runtime);
  if (other && other.pid !== process.pid && processAlive(other.pid)) {
    throw unusable(
      (await runningHub(home.root))
        ? `another hub (pid ${other.pid}) is already serving ${home.root} on port ${other.port}`
        : `${home.runtime} names pid ${other.pid}, which runs but does not answer as this home's hub on port ${other.port}; if no hub serves ${home.root}, remove that file`,
    );
  }
  // A restore asked for from the admin app replaces the home before anything opens it.
  const restored = await applyPendingRestore(home, opts.env);
  ensureHome(home);
  const now = () => Date.now();
  const logOptions = { ...DEFAULT_LOG_OPTIONS, dir: home.logs, echo: opts.echo };
  const hubLog = new ModuleLog("hub", logOptions);
  for (const line of restored) hubLog.write([line]);
  const watchdog = startWatchdog();
  const runtimeSecret = randomBytes(32).toString("hex");
  let parts: HubParts;
  try {
    parts = await assemble({
      home,
      env: opts.env,
      effects: realEffects(watchdog),
      logOptions,
      guard: watchdog,
      onRestart: opts.onRestart,
      announce: (line) => hubLog.write([line]),
      runtimeSecret,
    });
  } catch (err) {
    watchdog.close();
    throw err;
  }
  const { db, supervisor, identity, hub } = parts;
  // Before anything listens: finish or undo what a crash interrupted.
  for (const line of await hub.recover()) hubLog.write([`recovery: ${line}`]);
  let server: Server<BridgeData>;
  try {
    server = startServer({
      hostname: opts.hostname,
      port: opts.port,
      app: parts.app,
      proxy: parts.proxy,
      routes: () => hub.installed.routes(),
      knownHost: parts.knownHost,
    });
  } catch (err) {
    watchdog.close();
    throw unusable(`cannot listen on ${opts.hostname}:${opts.port}: ${(err as Error).message}`);
  }
  const port = server.port ?? opts.port;
  parts.listening(port, (req) => server.requestIP(req)?.address ?? "unknown");
  const origin = parts.origin();
  await ensureOperatorToken(home.operatorToken, identity.issuer, now);
  writeRuntime(home.runtime, { pid: process.pid, port, origin, version: HUB_VERSION, secret: runtimeSecret });
  hubLog.write([
    `parachute hub ${HUB_VERSION} listening on http://${opts.hostname}:${port} (home ${home.root})`,
  ]);
  if (process.pid === 1) {
    // Bun reaps only its own children; orphaned grandchildren would pile up as zombies under PID 1.
    hubLog.write(["warning: running as PID 1; run the hub under an init such as tini (docker run --init)"]);
  }
  const setupToken = identity.setupToken.current(identity.adminExists());
  if (setupToken && !opts.env.PARACHUTE_SETUP_TOKEN) {
    hubLog.write([
      `first boot: create the admin at ${origin}/admin/setup with the setup token ${setupToken}`,
    ]);
  } else if (setupToken) {
    hubLog.write([`first boot: create the admin at ${origin}/admin/setup with PARACHUTE_SETUP_TOKEN`]);
  }
  await hub.installed.boot();
  // Daily upkeep: an aging signing key or operator token is replaced before it expires.
  const upkeep = setInterval(async () => {
    await identity.issuer.ensureKey();
    await ensureOperatorToken(home.operatorToken, identity.issuer, now);
  }, 24 * 3600_000);
  upkeep.unref();
  const renewal = setInterval(() => void parts.renewServiceTokens(), 5 * 60_000);
  renewal.unref();

  let stopping: Promise<void> | null = null;
  return {
    home,
    server,
    hub,
    shutdown: () => {
      stopping ??= (async () => {
        clearInterval(upkeep);
        clearInterval(renewal);
        // An operation under way is given a moment to end cleanly; one cut short is for the next boot.
        hub.ops.close();
        await Promise.race([hub.ops.idle(), new Promise((r) => setTimeout(r, OPERATION_GRACE_MS).unref())]);
        hubLog.write(["shutting down: stopping modules"]);
        await supervisor.shutdown();
        watchdog.close();
        await server.stop(true);
        removeRuntime(home.runtime, process.pid);
        db.close();
        hubLog.write(["stopped"]);
      })();
      return stopping;
    },
  };
}
