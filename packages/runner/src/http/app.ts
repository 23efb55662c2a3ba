import { errorResponse, HttpError } from "@parachute/module-kit";
import { Hono } from "hono";
import type { Scheduler } from "../scheduler.ts";
import type { RunStore } from "../store/runs.ts";

export interface RunnerHttpDeps {
  scheduler: Scheduler;
  store: RunStore;
  /** Throws 401/403 unless the request holds `runner:admin`. */
  authorize: (req: Request) => Promise<void>;
  /** Forgets the vault token stored in settings (the hub's credential is used again). */
  clearVaultToken: () => void;
}

function parseSince(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms))
    throw new HttpError(
      400,
      "invalid_since",
      `"since" must be an ISO time or milliseconds, not ${JSON.stringify(raw.slice(0, 40))}`,
    );
  return ms;
}

function parseLimit(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 500)
    throw new HttpError(400, "invalid_limit", `"limit" must be a whole number from 1 to 500`);
  return n;
}

/** The runner's admin API under `/runner` (all of it `runner:admin`). */
export function runnerApp(deps: RunnerHttpDeps): Hono {
  const app = new Hono().basePath("/runner");
  app.onError((err) => errorResponse(err));
  app.notFound((c) => errorResponse(new HttpError(404, "not_found", `nothing is served at ${c.req.path}`)));
  app.use("*", async (c, next) => {
    await deps.authorize(c.req.raw);
    await next();
  });

  const index = (c: { json: (v: unknown) => Response }) =>
    c.json({ jobs: "/runner/jobs", runs: "/runner/runs", ready: deps.scheduler.ready() });
  app.get("/", index);

  app.get("/jobs", (c) => c.json({ jobs: deps.scheduler.jobs() }));

  app.get("/runs", (c) => {
    const since = parseSince(c.req.query("since"));
    const limit = parseLimit(c.req.query("limit"));
    return c.json({ runs: deps.store.list({ since, limit }) });
  });

  app.post("/jobs/:id/run-now", async (c) => {
    const id = c.req.param("id");
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(id)) throw new HttpError(400, "invalid_id", "not a note id");
    if (deps.scheduler.busy())
      throw new HttpError(
        429,
        "busy",
        "too many runs already wait for a place; try again when they have run",
        {
          "retry-after": "30",
        },
      );
    const started = await deps.scheduler.runNow(id).catch((err: Error) => {
      throw new HttpError(502, "vault_unreachable", `the job note cannot be read: ${err.message}`);
    });
    if (!started) throw new HttpError(404, "unknown_job", `no job note with id ${id} (a note tagged job)`);
    if ("problems" in started)
      throw new HttpError(422, "invalid_job", `the job cannot run: ${started.problems.join("; ")}`);
    return c.json({ run: started.run }, 202);
  });

  app.post("/credentials/vault-token/clear", (c) => {
    deps.clearVaultToken();
    return c.json({ cleared: true });
  });

  return app;
}
