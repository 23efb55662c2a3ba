/**
 * The smallest Parachute module: the module kit serves the protocol's standard endpoints (health,
 * info, settings); this file adds one route. Install it into a running hub with
 * `npx parachute install examples/hello-module`, then open http://127.0.0.1:1939/hello/.
 */
import { readFileSync } from "node:fs";
import { allowScope, serveModule, validateManifest, verifierFromEnv } from "@parachute/module-kit";

const manifest = validateManifest(JSON.parse(readFileSync(".parachute/module.json", "utf8")));
const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

const mod = serveModule({
  manifest,
  version,
  home: process.env.PARACHUTE_HOME ?? ".",
  // Settings need a hub token with hello:admin (the hub injects one for the logged-in admin).
  authorizeAdmin: allowScope(verifierFromEnv(manifest.name), `${manifest.name}:admin`),
  handler: (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/hello" || path === "/hello/") {
      const greeting = String(mod.config.values().greeting);
      return Response.json({ message: `${greeting} from a Parachute module` });
    }
    return Response.json({ error: "not_found", message: `nothing at ${path}` }, { status: 404 });
  },
});

console.log(`hello module listening on ${mod.server.url}`);
