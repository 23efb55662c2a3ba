import { readCapped } from "@parachute/module-kit";
import { Hono } from "hono";
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
  return Response.json(
    { error: err.code, error_description: err.message },
    { status: statusOf(err.kind), headers },
  );
}

async function formParams(req: Request): Promise<Params | null> {
  const form = await req.formData().catch(() => null);
  if (!form) return null;
  const params: Params = {};
  for (const [k, v] of form) if (typeof v === "string") params[k] = v;
  return params;
}

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
    const found = oauth.authorize(c.req.query());
    if (found.outcome === "refuse")
      return htmlPage("Cannot authorize", `<p>${escapeHtml(found.message)}</p>`, 400);
    if (found.outcome === "redirect") return c.redirect(found.to, 302);
    const session = identity.session(c.req.raw, site.secure(c.req.raw));
    if (!session) {
      const here = c.req.url.slice(new URL(c.req.url).origin.length);
      return c.redirect(`/login?next=${encodeURIComponent(here)}`, 302);
    }
    const { request, client } = found;
    const scopes = request.scope.split(" ");
    const to = new URL(request.redirect_uri).host;
    return consentPage(client.name, to, scopes, { ...request, csrf: session.session.csrf });
  });

  app.post("/authorize", async (c) => {
    const form = (await formParams(c.req.raw)) ?? {};
    const found = identity.session(c.req.raw, site.secure(c.req.raw));
    if (!found) throw new HubError("unauthorized", "unauthorized", "log in first");
    identity.checkCsrf(c.req.raw, found.session, site.origin(c.req.raw), form.csrf ?? "");
    const to = oauth.decide(form, found.session.userId, site.origin(c.req.raw), form.decision === "allow");
    return c.redirect(to, 303);
  });

  app.post("/token", async (c) => {
    const params = await formParams(c.req.raw);
    if (!params)
      return oauthErrorResponse(
        new HubError("invalid", "invalid_request", "send application/x-www-form-urlencoded"),
      );
    try {
      return c.json(await oauth.token(params), 200, NO_STORE);
    } catch (err) {
      return oauthErrorResponse(err);
    }
  });

  app.post("/revoke", async (c) => {
    const params = await formParams(c.req.raw);
    await oauth.revoke(params?.token ?? "");
    return c.body(null, 200);
  });

  return app;
}
