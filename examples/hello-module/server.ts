/**
 * The smallest Parachute module: the module kit serves the protocol's standard endpoints (health,
 * info, settings); this file adds two routes. `/hello` is public (the manifest's `publicPaths` says
 * so); `/hello/me` needs a hub token with `hello:read`, checked here, as every module must: nothing
 * is trusted for arriving on loopback. Install it into a running hub with
 * `npx parachute install examples/hello-module`, then open http://127.0.0.1:1939/hello/.
 */
import { readFileSync } from "node:fs";
import { allowScope, serveModule, validateManifest, verifierFromEnv } from "@parachute/module-kit";

const manifest = validateManifest(JSON.parse(readFileSync(".parachute/module.json", "utf8")));
const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

const verifier = verifierFromEnv(manifest.name);

const mod = serveModule({
  manifest,
  version,
  home: process.env.PARACHUTE_HOME ?? ".",
  // Settings need a hub token with hello:admin (the hub injects one for the logged-in admin).
  authorizeAdmin: allowScope(verifier, `${manifest.name}:admin`),
  handler: async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/hello" || path === "/hello/") {
      const greeting = String(mod.config.values().greeting);
      return Response.json({ message: `${greeting} from a Parachute module` });
    }
    if (path === "/hello/me") {
      // A missing or bad token is thrown as a 401 (403 without the scope), which the kit renders.
      const claims = await verifier.verify(req.headers.get("authorization"), `${manifest.name}:read`);
      return Response.json({ message: `${String(mod.config.values().greeting)}, ${claims.sub}` });
    }
    return Response.json({ error: "not_found", message: `nothing at ${path}` }, { status: 404 });
  },
});

console.log(`hello module listening on ${mod.server.url}`);
