import { join } from "node:path";
import type { Server, WebSocketHandler } from "bun";
import { type ConfigSchema, ConfigStore } from "./config.ts";
import { errorResponse, HttpError } from "./errors.ts";
import { parseJson, readCapped } from "./json-body.ts";
import type { Manifest } from "./manifest.ts";

/** The largest settings update a module accepts. */
const CONFIG_BODY_MAX = 64 * 1024;

export type Handler = (req: Request, server: Server<unknown>) => Response | Promise<Response>;

export interface ModuleOptions {
  manifest: Manifest;
  version: string;
  /** `PARACHUTE_HOME`; the module's data folder is `<home>/<name>`. */
  home: string;
  /** The module's own routes; it sees the full path (with the mount unless `stripPrefix`). */
  handler: Handler;
  /** Decides whether a request may read or change settings (scope `<name>:admin`). */
  authorizeAdmin: (req: Request) => boolean | Promise<boolean>;
  /** Extra readiness condition for the health path; ready by default once serving. */
  isReady?: () => boolean;
}

/** The paths of the standard endpoints, as the module itself serves them. */
export function standardPaths(manifest: Manifest) {
  const base = manifest.stripPrefix ? "" : manifest.paths[0]!;
  return {
    health: manifest.health,
    info: `${base}/.parachute/info`,
    schema: `${base}/.parachute/config/schema`,
    config: `${base}/.parachute/config`,
  };
}

/**
 * Builds a module's request handler: the standard endpoints of the module protocol in front of the
 * module's own routes, with every thrown `HttpError` rendered as `{ error, message }`.
 */
export function createModuleApp(opts: ModuleOptions): { fetch: Handler; config: ConfigStore } {
  const paths = standardPaths(opts.manifest);
  const schema = (opts.manifest.configSchema ?? {
    type: "object",
    properties: {},
  }) as unknown as ConfigSchema;
  const config = new ConfigStore(join(opts.home, opts.manifest.name), schema);
  const info = {
    name: opts.manifest.name,
    displayName: opts.manifest.displayName ?? opts.manifest.name,
    tagline: opts.manifest.tagline ?? "",
    version: opts.version,
  };

  async function route(req: Request, server: Server<unknown>): Promise<Response> {
    const path = new URL(req.url).pathname;
    const get = req.method === "GET" || req.method === "HEAD";
    if (path === paths.health && get) {
      if (opts.isReady && !opts.isReady()) return Response.json({ status: "starting" }, { status: 503 });
      return Response.json({ status: "ok", name: info.name, version: info.version });
    }
    if (path === paths.info && get) return Response.json(info);
    if (path === paths.schema && get) return Response.json(schema);
    if (path === paths.config) {
      if (!(await opts.authorizeAdmin(req))) {
        throw new HttpError(401, "unauthorized", `settings need a token with scope ${info.name}:admin`);
      }
      if (get) return Response.json(config.publicView());
      if (req.method === "PUT") {
        config.update(parseJson(await readCapped(req, CONFIG_BODY_MAX)));
        return Response.json(config.publicView());
      }
      throw new HttpError(405, "method_not_allowed", "use GET or PUT", { allow: "GET, PUT" });
    }
    return opts.handler(req, server);
  }

  return {
    config,
    fetch: async (req, server) => {
      try {
        return await route(req, server);
      } catch (err) {
        return errorResponse(err);
      }
    },
  };
}

export interface ServeOptions extends ModuleOptions {
  port?: number;
  websocket?: WebSocketHandler<unknown>;
}

/**
 * Serves a module on 127.0.0.1:`PORT` and stops cleanly on SIGTERM/SIGINT. Only for a module's
 * `main.ts`: it installs process signal handlers.
 */
export function serveModule(opts: ServeOptions): { server: Server<unknown>; config: ConfigStore } {
  const app = createModuleApp(opts);
  const base = { hostname: "127.0.0.1", port: opts.port ?? Number(process.env.PORT ?? 0), fetch: app.fetch };
  const server = opts.websocket ? Bun.serve({ ...base, websocket: opts.websocket }) : Bun.serve(base);
  const stop = () => {
    server.stop(true);
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  return { server, config: app.config };
}
