import type { Server, ServerWebSocket, WebSocketHandler } from "bun";

/** Per-connection data: the already-open upstream socket and frames that arrived before the client was wired. */
export interface BridgeData {
  upstream: WebSocket;
  client: ServerWebSocket<BridgeData> | null;
  pending: (string | ArrayBuffer)[];
}

/**
 * Opens the upstream WebSocket first (so its chosen subprotocol can be echoed and a refusal becomes
 * a 502), then upgrades the client and relays frames both ways.
 */
export async function bridgeUpgrade(
  req: Request,
  server: Server<BridgeData>,
  upstreamUrl: string,
  headers: Headers,
): Promise<Response | undefined> {
  const protocols = (req.headers.get("sec-websocket-protocol") ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  for (const h of [
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-extensions",
    "sec-websocket-protocol",
  ]) {
    headers.delete(h);
  }
  const upstream = new WebSocket(upstreamUrl, { headers: Object.fromEntries(headers), protocols } as never);
  upstream.binaryType = "arraybuffer";
  const opened = await new Promise<boolean>((resolve) => {
    upstream.addEventListener("open", () => resolve(true), { once: true });
    upstream.addEventListener("error", () => resolve(false), { once: true });
    upstream.addEventListener("close", () => resolve(false), { once: true });
  });
  if (!opened) {
    return Response.json(
      { error: "upstream_refused", message: "the module refused the WebSocket" },
      { status: 502 },
    );
  }
  const data: BridgeData = { upstream, client: null, pending: [] };
  upstream.addEventListener("message", (ev) => {
    const frame = ev.data as string | ArrayBuffer;
    if (data.client) data.client.send(frame);
    else data.pending.push(frame);
  });
  const responseHeaders = upstream.protocol ? { "sec-websocket-protocol": upstream.protocol } : undefined;
  if (server.upgrade(req, { data, headers: responseHeaders })) return undefined;
  upstream.close();
  return Response.json({ error: "upgrade_failed", message: "WebSocket upgrade failed" }, { status: 400 });
}

/** The hub server's WebSocket handler: relays between a client and its upstream. */
export const bridgeHandler: WebSocketHandler<BridgeData> = {
  open(ws: ServerWebSocket<BridgeData>) {
    const up = ws.data.upstream;
    ws.data.client = ws;
    for (const frame of ws.data.pending.splice(0)) ws.send(frame);
    up.addEventListener("close", (ev) => ws.close(ev.code === 1005 ? 1000 : ev.code, ev.reason));
    up.addEventListener("error", () => ws.close(1011, "upstream error"));
  },
  message(ws, message) {
    ws.data.upstream.send(message);
  },
  close(ws, code, reason) {
    const up = ws.data.upstream;
    if (up.readyState === WebSocket.OPEN || up.readyState === WebSocket.CONNECTING) {
      up.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    }
  },
};
