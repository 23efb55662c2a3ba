/**
 * A module for the hub's tests: a small Bun server with a manifest, whose misbehaviour is switched on
 * by marker files in its data folder (`$PARACHUTE_HOME/<name>/<marker>`), so that one fixture serves
 * every supervisor scenario with a real process.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serveModule, serviceToken, TokenVerifier, validateManifest } from "@parachute/module-kit";

const manifest = validateManifest(JSON.parse(readFileSync(".parachute/module.json", "utf8")));
const version = JSON.parse(readFileSync("package.json", "utf8")).version as string;
const home = process.env.PARACHUTE_HOME!;
const marker = (name: string) => existsSync(join(home, manifest.name, name));
const base = manifest.stripPrefix ? "" : manifest.paths[0]!;
const verifier = new TokenVerifier({
  issuer: process.env.PARACHUTE_HUB_ORIGIN ?? "",
  audience: manifest.name,
  hubUrl: process.env.PARACHUTE_HUB_URL ?? "http://127.0.0.1:1939",
  revocationMaxAgeMs: 0,
});

console.log(`fixture ${manifest.name} starting as pid ${process.pid} on port ${process.env.PORT}`);
if (marker("crash")) {
  console.error("crash marker present: exiting with code 3");
  process.exit(3);
}
if (marker("grandchild")) Bun.spawn(["sleep", "1000"], { stdout: "ignore", stderr: "ignore" });
// Orphans: each shell backgrounds a short-lived process and exits, so the process lands on the init.
if (marker("orphans")) {
  let made = 0;
  setInterval(() => {
    Bun.spawn(["sh", "-c", "sleep 0 & exit 0"], { stdout: "ignore", stderr: "ignore" });
    writeFileSync(join(home, manifest.name, "orphans-made"), String(++made));
  }, 20);
}
// One 100 MB line on stdout, written in 1 MB pieces, then an ordinary one.
if (marker("longline")) {
  const piece = "x".repeat(1 << 20);
  for (let i = 0; i < 100; i++) await Bun.write(Bun.stdout, piece);
  console.log("\nafter the long line");
}
if (marker("nobind")) {
  console.log("nobind marker present: never listening");
  setInterval(() => {}, 1 << 30);
} else {
  if (marker("hog")) (globalThis as { hog?: Uint8Array }).hog = new Uint8Array(200 * 1024 * 1024).fill(1);

  serveModule({
    manifest,
    version,
    home,
    authorizeAdmin: (req) => req.headers.get("authorization") === "Bearer fixture-admin",
    isReady: () => !marker("unready"),
    websocket: {
      message(ws, msg) {
        ws.send(typeof msg === "string" ? `echo:${msg}` : msg);
      },
    },
    async handler(req, server) {
      const url = new URL(req.url);
      const path = url.pathname.slice(base.length) || "/";
      switch (path) {
        case "/hello":
          return new Response(`hello from ${manifest.name}`, {
            status: 201,
            headers: { "x-fixture": manifest.name, "set-cookie": "a=1; Path=/", "cache-control": "no-cache" },
          });
        case "/work": {
          // Stands in for a real handler (a query, a render): busy for `ms` of CPU time.
          const until = performance.now() + Number(url.searchParams.get("ms") ?? 1);
          let x = 0;
          while (performance.now() < until) x++;
          return Response.json({ spun: x });
        }
        case "/cookies": {
          // A module trying to plant (or clear) the hub's session cookie beside one of its own.
          const headers = new Headers();
          headers.append("set-cookie", "parachute_session=planted; Path=/api");
          headers.append("set-cookie", "__Host-parachute_session=planted; Path=/; Secure");
          headers.append("set-cookie", "own=1; Path=/");
          return new Response("cookies", { headers });
        }
        case "/pid":
          return Response.json({ pid: process.pid });
        case "/call": {
          // Another module, through the hub, with the service token the hub gave this one.
          const token = serviceToken();
          const res = await fetch(`${process.env.PARACHUTE_HUB_URL}${url.searchParams.get("path")}`, {
            headers: token ? { authorization: `Bearer ${token}` } : {},
          });
          return Response.json({ status: res.status, body: await res.text(), token: token !== null });
        }
        case "/whoami":
          // A protected route: the hub token must verify and carry <name>:read.
          return Response.json(
            await verifier.verify(req.headers.get("authorization"), `${manifest.name}:read`),
          );
        case "/env":
          return Response.json({
            PORT: process.env.PORT,
            PARACHUTE_HOME: process.env.PARACHUTE_HOME,
            PARACHUTE_HUB_ORIGIN: process.env.PARACHUTE_HUB_ORIGIN,
            FIXTURE_VALUE: process.env.FIXTURE_VALUE ?? null,
            PARACHUTE_SETUP_TOKEN: process.env.PARACHUTE_SETUP_TOKEN ?? null,
          });
        case "/request":
          return Response.json({
            method: req.method,
            path: url.pathname,
            search: url.search,
            headers: Object.fromEntries(req.headers),
          });
        case "/upload": {
          const hash = new Bun.CryptoHasher("sha256");
          let bytes = 0;
          const reader = req.body!.getReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            bytes += value.byteLength;
            hash.update(value);
          }
          return Response.json({
            bytes,
            sha256: hash.digest("hex"),
            rssMb: Math.round(process.memoryUsage.rss() / 1048576),
          });
        }
        case "/download": {
          const mb = Number(url.searchParams.get("mb") ?? 1);
          const chunk = new Uint8Array(1024 * 1024).fill(97);
          let sent = 0;
          return new Response(
            new ReadableStream({
              pull(c) {
                if (sent++ >= mb) return c.close();
                c.enqueue(chunk);
              },
            }),
            { headers: { "content-type": "application/octet-stream" } },
          );
        }
        case "/gzip":
          return new Response(Bun.gzipSync(Buffer.from("compressed body")), {
            headers: { "content-encoding": "gzip", "content-type": "text/plain" },
          });
        case "/sse": {
          // Each event waits for the client's go-ahead file, proving events arrive one by one.
          const count = Number(url.searchParams.get("n") ?? 3);
          let i = 0;
          return new Response(
            new ReadableStream({
              async pull(c) {
                if (i >= count) return c.close();
                const gate = join(home, manifest.name, `sse-go-${i}`);
                while (i > 0 && !existsSync(gate)) await Bun.sleep(5);
                c.enqueue(new TextEncoder().encode(`event: tick\ndata: ${i}\n\n`));
                i++;
              },
            }),
            { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } },
          );
        }
        case "/ws":
          if (server.upgrade(req, { data: {} })) return undefined as unknown as Response;
          return new Response("expected a WebSocket", { status: 400 });
        default:
          return Response.json({ error: "not_found", message: `no route ${path}` }, { status: 404 });
      }
    },
  });
  if (marker("ignore-term")) {
    process.removeAllListeners("SIGTERM");
    process.on("SIGTERM", () => console.log("ignoring SIGTERM"));
  }
}
