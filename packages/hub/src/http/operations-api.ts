import { Hono } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { Operation, OperationEvent } from "../operations/operation.ts";
import type { Operations } from "../operations/operations.ts";

/**
 * `/api/operations`: what install, upgrade, uninstall and the lifecycle verbs are doing. `events`
 * replays every event from the start, then follows; the last event, `done`, carries the outcome.
 */
export function operationsApi(ops: Operations): Hono {
  const app = new Hono();

  app.get("/", (c) => c.json({ operations: ops.list().map((op) => op.view()) }));

  app.get("/:id", (c) => c.json({ operation: ops.get(c.req.param("id")).view() }));

  app.get("/:id/events", (c) => {
    const op = ops.get(c.req.param("id"));
    return streamSSE(c, async (stream) => {
      const closed = op.streamOpened();
      try {
        await sendEvents(stream, op);
      } finally {
        closed();
      }
    });
  });

  return app;
}

async function sendEvents(stream: SSEStreamingApi, op: Operation): Promise<void> {
  const queue: (OperationEvent | null)[] = [];
  let wake: (() => void) | null = null;
  const off = op.follow((e) => {
    queue.push(e);
    wake?.();
  });
  stream.onAbort(() => {
    off();
    wake?.();
  });
  for (;;) {
    while (queue.length) {
      const e = queue.shift()!;
      if (e === null) {
        await stream.writeSSE({ event: "done", data: JSON.stringify(op.view()) });
        return;
      }
      await stream.writeSSE({ event: e.type, id: String(e.seq), data: JSON.stringify(e) });
    }
    if (stream.aborted) return;
    await new Promise<void>((r) => {
      wake = r;
    });
    wake = null;
  }
}
