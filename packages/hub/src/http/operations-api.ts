import { Hono } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { OperationEvent, OperationView } from "../api-types.ts";
import type { Operation } from "../operations/operation.ts";
import type { AppDeps } from "./deps.ts";
import { statusOf } from "./errors.ts";

/**
 * `/api/operations`: what install, upgrade, uninstall and the lifecycle verbs are doing. `events`
 * replays every event from the start, then follows; the last event, `done`, carries the outcome.
 */
export function operationsApi({ hub }: AppDeps): Hono {
  const ops = hub.ops;
  const app = new Hono();

  app.get("/", (c) => c.json({ operations: ops.list().map(operationView) }));

  app.get("/:id", (c) => c.json({ operation: operationView(ops.get(c.req.param("id"))) }));

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

/** An operation in wire terms: its error carries the HTTP status of its kind. */
export function operationView(op: Operation): OperationView {
  const { error, ...rest } = op.view();
  return error
    ? { ...rest, error: { status: statusOf(error.kind), code: error.code, message: error.message } }
    : rest;
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
        await stream.writeSSE({ event: "done", data: JSON.stringify(operationView(op)) });
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
