import type { Database } from "bun:sqlite";
import type { Server } from "bun";
import { HubError } from "./errors.ts";
import { hubApp } from "./http/app.ts";
import { startServer } from "./http/server.ts";
import { Hub } from "./hub.ts";
import { Identity } from "./identity/identity.ts";
import { TokenIssuer } from "./identity/issuer.ts";
import { OAuthServer } from "./identity/oauth-server.ts";
import { OAuthStore } from "./identity/oauth-store.ts";
import { ensureOperatorToken } from "./identity/operator-token.ts";
import { ServicesRegistry } from "./modules/services-registry.ts";
import { defaultSource } from "./modules/sources.ts";
import { ensureHome, type Home, resolveHome } from "./platform/home.ts";
import { configuredOrigin, makeSite } from "./platform/origin.ts";
import { processAlive, readRuntime, removeRuntime, writeRuntime } from "./platform/runtime-file.ts";
import { createProxyGate } from "./proxy/auth-gate.ts";
import { createProxy } from "./proxy/proxy.ts";
import type { BridgeData } from "./proxy/websocket-bridge.ts";
import { openHubDb } from "./store/db.ts";
import { DEFAULT_LOG_OPTIONS, ModuleLog } from "./supervisor/log-sink.ts";
import { findSquatter } from "./supervisor/port-probe.ts";
import { realEffects } from "./supervisor/real-effects.ts";
import { Supervisor } from "./supervisor/supervisor.ts";
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

/** A refusal to start, with a message that says what to fix. */
const unusable = (message: string) => new HubError("unusable", "cannot_serve", message);

/** The composition root of `parachute serve`: builds the real parts and wires them together. */
export async function serve(opts: ServeOptions): Promise<RunningHub> {
  const home = resolveHome(opts.env);
  ensureHome(home);
  const other = readRuntime(home.runtime);
  if (other && other.pid !== process.pid && processAlive(other.pid)) {
    throw unusable(`another hub (pid ${other.pid}) is already serving ${home.root} on port ${other.port}`);
  }
  let registry: ServicesRegistry;
  try {
    registry = new ServicesRegistry(home.services);
  } catch (err) {
    throw unusable((err as Error).message);
  }
  let db: Database;
  try {
    db = openHubDb(home.hubDb);
  } catch (err) {
    throw unusable((err as Error).message);
  }
  const now = () => Date.now();
  const logOptions = { ...DEFAULT_LOG_OPTIONS, dir: home.logs, echo: opts.echo };
  const hubLog = new ModuleLog("hub", logOptions);
  const watchdog = startWatchdog();
  const supervisor = new Supervisor(realEffects(watchdog), logOptions);
  const fixedOrigin = configuredOrigin(opts.env);
  let port = opts.port;
  const spec = { home: home.root, hubOrigin: "", hubUrl: "", hubEnv: opts.env };
  const issuer = new TokenIssuer(db, () => spec.hubOrigin, now);
  await issuer.ensureKey();
  const identity = new Identity({
    db,
    issuer,
    now,
    setupTokenFromEnv: opts.env.PARACHUTE_SETUP_TOKEN || undefined,
  });
  const site = makeSite(fixedOrigin);
  let clientIp: (req: Request) => string = () => "unknown";
  const hub = new Hub({
    registry,
    supervisor,
    spec,
    hubPort: () => port,
    isPortFree: async (p) => (await findSquatter(p)) === null,
    defaultSource: defaultSource(opts.env),
    restartHub: opts.onRestart,
    guard: watchdog,
  });
  // Before anything listens: finish or undo what a crash interrupted.
  for (const line of await hub.recover()) hubLog.write([`recovery: ${line}`]);
  const started = Date.now();
  const oauthStore = new OAuthStore(db, now);
  const oauth = new OAuthServer({
    store: oauthStore,
    issuer,
    users: identity.users,
    routes: () => hub.installed.routes(),
    scopes: () => hub.installed.scopes(),
  });
  const app = hubApp({
    hub,
    identity,
    oauth,
    oauthStore,
    site,
    now,
    clientIp: (req) => clientIp(req),
    hubInfo: () => ({
      version: HUB_VERSION,
      pid: process.pid,
      port,
      home: home.root,
      uptime: Math.round((Date.now() - started) / 1000),
      rssMb: Math.round(process.memoryUsage.rss() / 1048576),
    }),
  });
  const proxy = createProxy({
    routes: () => hub.installed.routes(),
    moduleState: (short) => supervisor.get(short)?.status(),
    gate: createProxyGate({ identity, site, publicPaths: (s) => hub.installed.publicPaths(s), now }),
  });
  let server: Server<BridgeData>;
  try {
    server = startServer({
      hostname: opts.hostname,
      port: opts.port,
      app,
      proxy,
      routes: () => hub.installed.routes(),
    });
  } catch (err) {
    watchdog.close();
    throw unusable(`cannot listen on ${opts.hostname}:${opts.port}: ${(err as Error).message}`);
  }
  port = server.port ?? opts.port;
  clientIp = (req) => server.requestIP(req)?.address ?? "unknown";
  spec.hubUrl = `http://127.0.0.1:${port}`;
  spec.hubOrigin = fixedOrigin ?? spec.hubUrl;
  await ensureOperatorToken(home.operatorToken, issuer, now);
  writeRuntime(home.runtime, { pid: process.pid, port, origin: spec.hubOrigin, version: HUB_VERSION });
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
      `first boot: create the admin at ${spec.hubOrigin}/admin/setup with the setup token ${setupToken}`,
    ]);
  } else if (setupToken) {
    hubLog.write([
      `first boot: create the admin at ${spec.hubOrigin}/admin/setup with PARACHUTE_SETUP_TOKEN`,
    ]);
  }
  await hub.installed.boot();
  // Daily upkeep: an aging signing key or operator token is replaced before it expires.
  const upkeep = setInterval(async () => {
    await issuer.ensureKey();
    await ensureOperatorToken(home.operatorToken, issuer, now);
  }, 24 * 3600_000);
  upkeep.unref();

  let stopping: Promise<void> | null = null;
  return {
    home,
    server,
    hub,
    shutdown: () => {
      stopping ??= (async () => {
        clearInterval(upkeep);
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
