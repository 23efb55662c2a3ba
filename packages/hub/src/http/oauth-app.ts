import { readCapped } from "@parachute/module-kit";
import { type Context, Hono } from "hono";
import { HubError } from "../errors.ts";
import type { Params } from "../identity/oauth-server.ts";
import type { AppDeps } from "./deps.ts";
import { statusOf } from "./errors.ts";
import { consentPage } from "./oauth-consent.ts";
import { escapeHtml, htmlPage } from "./pages.ts";

const NO_STORE = { "cache-control": "no-store" };

/** An error in the token endpoint's shape (RFC 6749 §5.2). */
function oauthErrorResponse(err: unknown): Response {
  if (!(err instanceof HubError)) throw err;
  const headers: Record<string, string> = { ...NO_STORE };
  if (err.hints.retryAfterS !== undefined) headers["retry-after"] = String(err.hints.retryAfterS);
  if (err.kind === "unauthorized") headers["www-authenticate"] = 'Bearer error="invalid_client"';
  return Response.json(
    { error: err.code, error_description: err.message },
    { status: statusOf(err.kind), headers },
  );
}

/**
 * The parameters of a form body or query, strings only. A parameter sent twice is refused (RFC 6749
 * §3.1): a front proxy reading the first and the hub the last would disagree about the request.
 */
function onceEach(pairs: Iterable<[string, unknown]>): Params {
  const params: Params = {};
  for (const [k, v] of pairs) {
    if (k in params) throw new HubError("invalid", "invalid_request", `"${k}" appears more than once`);
    if (typeof v === "string") params[k] = v;
  }
  return params;
}

async function formParams(req: Request): Promise<Params> {
  const form = await req.formData().catch(() => null);
  if (!form) throw new HubError("invalid", "invalid_request", "send application/x-www-form-urlencoded");
  return onceEach(form);
}

const queryParams = (c: Context) => onceEach(new URL(c.req.url).searchParams);

/** `/oauth`: registration, authorization with consent, token and revocation, over the OAuth server. */
export function oauthApp(deps: AppDeps): Hono {
  const { identity, site, oauth } = deps;
  const app = new Hono();

  app.post("/register", async (c) => {
    try {
      const text = await readCapped(c.req.raw, 16 * 1024).catch(() => {
        throw new HubError("too_large", "invalid_client_metadata", "the registration is too large");
      });
      return c.json(oauth.register(text, deps.clientIp(c.req.raw)), 201);
    } catch (err) {
      return oauthErrorResponse(err);
    }
  });

  app.get("/authorize", (c) => {
    let found: ReturnType<typeof oauth.authorize>;
    try {
      found = oauth.authorize(queryParams(c), site.origin(c.req.raw));
    } catch (err) {
      return htmlPage("Cannot authorize", `<p>${escapeHtml((err as Error).message)}</p>`, 400);
    }
    if (found.outcome === "refuse")
      return htmlPage("Cannot authorize", `<p>${escapeHtml(found.message)}</p>`, 400);
    // Nothing goes back to an app, an error included, before the admin has logged in: the hub's
    // address never bounces a stranger on to an app's page.
    const session = identity.session(c.req.raw, site.secure(c.req.raw));
    if (!session) {
      const here = c.req.url.slice(new URL(c.req.url).origin.length);
      return c.redirect(`/login?next=${encodeURIComponent(here)}`, 302);
    }
    if (found.outcome === "redirect") return c.redirect(found.to, 302);
    const { request, client } = found;
    return consentPage({
      clientName: client.name,
      redirectUri: request.redirect_uri,
      scopes: request.scope.split(" "),
      username: identity.users.byId(session.session.userId)?.username ?? "the admin",
      hidden: { ...request, csrf: session.session.csrf },
    });
  });

  app.post("/authorize", async (c) => {
    const form = await formParams(c.req.raw);
    const found = identity.session(c.req.raw, site.secure(c.req.raw));
    if (!found) throw new HubError("unauthorized", "unauthorized", "log in first");
    identity.checkCsrf(c.req.raw, found.session, site.origin(c.req.raw), form.csrf ?? "");
    const to = oauth.decide(form, found.session.userId, site.origin(c.req.raw), form.decision === "allow");
    return c.redirect(to, 303);
  });

  app.post("/token", async (c) => {
    try {
      return c.json(await oauth.token(await formParams(c.req.raw)), 200, NO_STORE);
    } catch (err) {
      return oauthErrorResponse(err);
    }
  });

  app.post("/revoke", async (c) => {
    try {
      await oauth.revoke((await formParams(c.req.raw)).token ?? "");
      return c.body(null, 200, NO_STORE);
    } catch (err) {
      return oauthErrorResponse(err);
    }
  });

  return app;
}
