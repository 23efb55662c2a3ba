import { type CheckResult, fail, ok, warn } from "./check.ts";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

/**
 * The hub's public origin and how it is served: a configured origin must be an http(s) URL, and a
 * hub reachable from the network (a public bind, or a non-loopback origin) should be https, or
 * passwords, sessions and tokens cross the network in clear.
 *
 * `configured` is what this environment gives (PARACHUTE_HUB_ORIGIN, RENDER_EXTERNAL_URL,
 * FLY_APP_NAME); `running` the origin the running hub uses, when one runs; `bind` the address `serve`
 * listens on.
 */
export function judgeOrigin(configured: string | null, running: string | null, bind: string): CheckResult {
  const set = "set PARACHUTE_HUB_ORIGIN to the https URL the hub is reached at, e.g. https://hub.example.com";
  if (configured !== null) {
    const url = URL.parse(configured);
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:"))
      return fail("origin", `the configured origin "${configured}" is not an http(s) URL`, set);
  }
  const origin = running ?? configured;
  if (running && configured && running !== configured)
    return warn(
      "origin",
      `the running hub uses ${running}, while this environment gives ${configured}`,
      "restart the hub with the environment you mean it to have (its service unit, or the shell that runs `parachute serve`)",
    );
  const url = origin ? URL.parse(origin) : null;
  const secure = url?.protocol === "https:";
  const publicBind = !LOOPBACK.test(bind);
  if (publicBind && !secure)
    return warn(
      "origin",
      `the hub listens on ${bind}, reachable from the network, but its origin is ${origin ?? "each request's own (plain http)"}: passwords and tokens would cross the network in clear`,
      "put it behind https and set PARACHUTE_HUB_ORIGIN to that https URL, or publish it with `parachute expose` and listen on loopback (unset PARACHUTE_BIND_HOST)",
    );
  if (url && !secure && !LOOPBACK.test(url.hostname))
    return warn(
      "origin",
      `the origin ${origin} is plain http on a network name; sessions and tokens cross in clear`,
      set,
    );
  if (!origin)
    return ok(
      "origin",
      `no public origin configured; the hub listens on ${bind} only and uses each request's own origin`,
    );
  return ok("origin", `${origin} (${secure ? "https" : "loopback http"}), listening on ${bind}`);
}
