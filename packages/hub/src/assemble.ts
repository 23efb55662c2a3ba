import type { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import type { Hono } from "hono";
import type { ModuleStatus } from "./api-types.ts";
import { HubError } from "./errors.ts";
import { hubApp } from "./http/app.ts";
import { Hub } from "./hub.ts";
import { Identity } from "./identity/identity.ts";
import { TokenIssuer } from "./identity/issuer.ts";
import { OAuthServer } from "./identity/oauth-server.ts";
import { OAuthStore } from "./identity/oauth-store.ts";
import { ServiceTokens } from "./identity/service-tokens.ts";
import type { RunOptions } from "./modules/installer.ts";
import { ServicesRegistry } from "./modules/services-registry.ts";
import { defaultSource } from "./modules/sources.ts";
import { clientAddress } from "./platform/client-ip.ts";
import type { Home } from "./platform/home.ts";
import { knownHosts } from "./platform/hosts.ts";
import { configuredOrigin, makeSite } from "./platform/origin.ts";
import { createProxyGate } from "./proxy/auth-gate.ts";
import { createProxy } from "./proxy/proxy.ts";
import { openHubDb } from "./store/db.ts";
import type { LogOptions } from "./supervisor/log-sink.ts";
import type { Effects } from "./supervisor/module-runner.ts";
import { findSquatter } from "./supervisor/port-probe.ts";
import { Supervisor } from "./supervisor/supervisor.ts";
import { HUB_VERSION } from "./version.ts";

export interface AssembleOptions {
  home: Home;
  env: Record<string, string | undefined>;
  /** What the supervisor does to run modules: real processes, or the same shape in unit tests. */
  effects: Effects;
  logOptions: LogOptions;
  /** The orphan guard, which also watches package-manager runs. */
  guard?: RunOptions["guard"];
  /** Called when the hub has installed a new version of itself and should be restarted onto it. */
  onRestart?: () => void;
  /** The secret written to the runtime file, proven at `/health` (docs/contracts/cli.md). */
  runtimeSecret?: string;
  /** Where the hub's own log lines go: a module changing state, the admin created. */
  announce?: (line: string) => void;
}

/** The hub's parts, wired, before anything listens. */
export interface HubParts {
  db: Database;
  supervisor: Supervisor;
  identity: Identity;
  hub: Hub;
  app: Hono;
  proxy: ReturnType<typeof createProxy>;
  /** The public origin modules expect as token issuer (known once the hub listens). */
  origin(): string;
  /** Whether the hub answers to a request's `Host`. */
  knownHost(host: string): boolean;
  /** Renews the modules' service tokens that are getting old; `serve` calls it every few minutes. */
  renewServiceTokens(): Promise<void>;
  /** Tells the parts where the hub listens and how it sees a request's client address. */
  listening(port: number, clientIp: (req: Request) => string): void;
}

/** A refusal to start, with a message that says what to fix. */
export const unusable = (message: string) => new HubError("unusable", "cannot_serve", message);

/**
 * Builds the hub from its home: services.json, hub.db, the supervisor, identity, the OAuth server,
 * the module operations, the HTTP app and the proxy. `serve` listens and boots; tests call the app
 * in memory through `app.request`.
 */
export async function assemble(opts: AssembleOptions): Promise<HubParts> {
  const { home, env } = opts;
  const announce = opts.announce ?? (() => {});
  let registry: ServicesRegistry;
  let db: Database;
  try {
    registry = new ServicesRegistry(home.services);
    db = openHubDb(home.hubDb);
  } catch (err) {
    throw unusable((err as Error).message);
  }
  const now = () => Date.now();
  const started = now();
  const fixedOrigin = configuredOrigin(env, home.root);
  let port = 0;
  let clientIp: (req: Request) => string = () => "unknown";
  const spec = { home: home.root, hubOrigin: "", hubUrl: "", hubEnv: env };
  const issuer = new TokenIssuer(db, () => spec.hubOrigin, now);
  await issuer.ensureKey();
  const identity = new Identity({
    db,
    issuer,
    now,
    setupTokenFromEnv: env.PARACHUTE_SETUP_TOKEN || undefined,
    onSetup: (user) => announce(`admin "${user.username}" created; the setup token is spent`),
  });
  const site = makeSite(fixedOrigin);
  const supervisor = new Supervisor(opts.effects, opts.logOptions);
  supervisor.watch((s) => announce(stateLine(s)));
  const serviceTokens = new ServiceTokens(issuer, home.root, now);
  const hub = new Hub({
    registry,
    supervisor,
    spec,
    hubPort: () => port,
    isPortFree: async (p) => (await findSquatter(p)) === null,
    defaultSource: defaultSource(env),
    restartHub: opts.onRestart,
    guard: opts.guard,
  });
  const grant = (short: string, starting: boolean) =>
    serviceTokens.ensure(short, hub.installed.needs(short), starting).catch((err: Error) => {
      announce(`${short}: its service token could not be written: ${err.message}`);
    });
  supervisor.watch((s) => {
    if (s.state === "pending") void grant(s.short, true);
  });
  hub.installed.onDetach((short) => serviceTokens.revokeAll(short));
  const oauthStore = new OAuthStore(db, now);
  const knownHost = knownHosts(env, fixedOrigin);
  const oauth = new OAuthServer({
    store: oauthStore,
    issuer,
    users: identity.users,
    now,
    routes: () => hub.installed.routes(),
    scopes: () => hub.installed.scopes(),
    knownHost,
  });
  const app = hubApp({
    hub,
    identity,
    oauth,
    oauthStore,
    site,
    now,
    clientIp: (req) => clientIp(req),
    runtimeSecret: opts.runtimeSecret ?? randomBytes(32).toString("hex"),
    maxRestoreBytes: (Number(env.PARACHUTE_RESTORE_MAX_MB) || 4096) * 1048576,
    hubInfo: () => ({
      version: HUB_VERSION,
      pid: process.pid,
      port,
      url: spec.hubOrigin,
      setupPending: !identity.adminExists(),
      home: home.root,
      uptime: Math.round((now() - started) / 1000),
      rssMb: Math.round(process.memoryUsage.rss() / 1048576),
    }),
  });
  const publicHost = fixedOrigin ? new URL(fixedOrigin).host : null;
  const proxy = createProxy({
    routes: () => hub.installed.routes(),
    proto: (req) => {
      if (!publicHost) return site.secure(req) ? "https" : "http";
      const url = new URL(req.url);
      return (url.host === publicHost ? site.secure(req) : url.protocol === "https:") ? "https" : "http";
    },
    trustedProxy: Boolean(env.PARACHUTE_TRUSTED_PROXY),
    moduleState: (short) => supervisor.get(short)?.status(),
    clientAddress: (req) => clientIp(req),
    gate: createProxyGate({
      identity,
      site,
      publicPaths: (s) => hub.installed.publicPaths(s),
      issuesOwnTokens: (s) => hub.installed.issuesOwnTokens(s),
      now,
    }),
  });
  return {
    db,
    supervisor,
    identity,
    hub,
    app,
    proxy,
    origin: () => spec.hubOrigin,
    knownHost,
    async renewServiceTokens() {
      for (const row of hub.installed.rows()) await grant(row.name, false);
    },
    listening(p, socketIp) {
      port = p;
      const address = clientAddress(env);
      clientIp = (req) => address(req, socketIp(req));
      spec.hubUrl = `http://127.0.0.1:${p}`;
      spec.hubOrigin = fixedOrigin ?? spec.hubUrl;
    },
  };
}

/** The hub log's line for a module's new state. */
function stateLine(s: ModuleStatus): string {
  switch (s.state) {
    case "active":
      return `${s.short} ${s.version} is active${s.url ? ` at ${s.url}` : ""}`;
    case "failing":
      return `${s.short} is failing: ${s.reason ?? "no reason given"}`;
    case "pending":
      return s.reason?.startsWith("waiting") ? `${s.short} is ${s.reason}` : `${s.short} is starting`;
    case "inactive":
      return `${s.short} is stopped`;
  }
}
