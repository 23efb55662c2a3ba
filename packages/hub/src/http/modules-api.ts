import { readJsonBody } from "@parachute/module-kit";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { Accepted } from "../api-types.ts";
import { HubError } from "../errors.ts";
import type { InstallRequest } from "../hub.ts";
import type { Operation } from "../operations/operation.ts";
import type { AppDeps } from "./deps.ts";
import { operationView } from "./operations-api.ts";

const SHORT = /^[a-z][a-z0-9-]{0,39}$/;

function short(raw: string): string {
  if (!SHORT.test(raw)) throw new HubError("invalid", "bad_name", `"${raw}" is not a module short name`);
  return raw;
}

function lineCount(raw: string | undefined): number {
  return Math.min(Math.max(Number(raw ?? 100) || 100, 1), 1000);
}

/** 202 with the queued operation; its progress is at `Location` and `Location/events`. */
export function accepted(op: Operation): Response {
  const body: Accepted = { operation_id: op.id, operation: operationView(op) };
  return Response.json(body, {
    status: 202,
    headers: { location: `/api/operations/${op.id}` },
  });
}

/** `/api/modules`: list, install, lifecycle, logs (operator-authenticated by the caller). */
export function modulesApi({ hub }: AppDeps): Hono {
  const app = new Hono();

  app.get("/", (c) => c.json({ modules: hub.installed.statusWithMemory() }));
  app.get("/catalog", async (c) => c.json({ modules: await hub.catalog() }));

  app.post("/install", async (c) => {
    const body = await readJsonBody<InstallRequest & Record<string, unknown>>(c.req.raw, {
      path: { type: "string" },
      short: { type: "string" },
      spec: { type: "string" },
      source: { type: "string" },
    });
    return accepted(await hub.install(body));
  });

  app.post("/:short/upgrade", async (c) => {
    const name = short(c.req.param("short"));
    const { version } = await readJsonBody<{ version: string }>(c.req.raw, { version: { type: "string" } });
    return accepted(await hub.upgrade(name, version));
  });

  app.post("/:short/uninstall", async (c) => {
    const name = short(c.req.param("short"));
    const { purge } = await readJsonBody<{ purge: boolean }>(c.req.raw, { purge: { type: "boolean" } });
    return accepted(await hub.uninstall(name, purge === true));
  });

  app.post("/:short/:verb{start|stop|restart}", async (c) => {
    const name = short(c.req.param("short"));
    await readJsonBody(c.req.raw, {});
    const verb = c.req.param("verb") as "start" | "stop" | "restart";
    return accepted(await hub[verb](name));
  });

  app.get("/:short/logs", (c) => {
    const name = short(c.req.param("short"));
    return c.json({ lines: hub.installed.runner(name).log.last(lineCount(c.req.query("n"))) });
  });

  // The last `n` lines, then every new one, on one stream: nothing is missed or repeated between them.
  app.get("/:short/logs/stream", (c) => {
    const name = short(c.req.param("short"));
    const n = lineCount(c.req.query("n"));
    const log = hub.installed.runner(name).log;
    const queue = log.last(n);
    return streamSSE(c, async (stream) => {
      let wake: (() => void) | null = null;
      const off = log.follow((line) => {
        queue.push(line);
        wake?.();
      });
      stream.onAbort(() => {
        off();
        wake?.();
      });
      await stream.write(": following\n\n");
      while (!stream.aborted) {
        while (queue.length) await stream.writeSSE({ event: "line", data: queue.shift()! });
        await new Promise<void>((r) => {
          wake = r;
        });
        wake = null;
      }
      off();
    });
  });

  return app;
}
