import { parseDuration, readJsonBody } from "@parachute/module-kit";
import { Hono } from "hono";
import { HubError } from "../errors.ts";
import { audiencesOf } from "../identity/issuer.ts";
import { unknownScope } from "../identity/scopes.ts";
import { catalogScopes } from "../modules/catalog.ts";
import type { AuthEnv } from "./api-auth.ts";
import type { AppDeps } from "./deps.ts";

const MAX_TTL_S = 365 * 86400;

/** Parses a lifetime such as `90s`, `15m`, `12h`, `30d` (at most a year). */
function parseTtl(raw: string): number {
  const s = parseDuration(raw);
  if (s === null || s < 1 || s > MAX_TTL_S)
    throw new HubError("invalid", "invalid_field", '"ttl" must look like 15m, 12h or 30d (at most 365d)');
  return s;
}

/** `/api/tokens`: create (the token is shown once), list, revoke. Needs `hub:admin`. */
export function tokensApi({ identity, hub }: AppDeps): Hono<AuthEnv> {
  const issuer = identity.issuer;
  const app = new Hono<AuthEnv>();

  app.post("/", async (c) => {
    const body = await readJsonBody<{ scope: string; ttl: string; aud: string; label: string }>(c.req.raw, {
      scope: { type: "string", required: true },
      ttl: { type: "string" },
      aud: { type: "string" },
      label: { type: "string" },
    });
    const scope = body.scope.trim().replace(/\s+/g, " ");
    // A token may be made for an installed module, or for a catalog one before it is installed.
    const wrong = unknownScope(scope, [...hub.installed.scopes(), ...catalogScopes()]);
    if (wrong) throw new HubError("invalid", "invalid_field", `"scope": ${wrong}`);
    if (body.aud !== undefined && !/^[a-z][a-z0-9-]{0,39}$/.test(body.aud)) {
      throw new HubError("invalid", "invalid_field", '"aud" must be a module short name or "hub"');
    }
    if (body.label !== undefined && body.label.length > 200)
      throw new HubError("invalid", "invalid_field", '"label" is too long');
    const auds = body.aud ? [body.aud] : audiencesOf(scope);
    const issued = await issuer.issue({
      sub: c.get("principal").sub,
      aud: auds.length === 1 ? auds[0]! : auds,
      scope,
      ttlS: parseTtl(body.ttl ?? "30d"),
      kind: "api",
      label: body.label,
    });
    return c.json({ token: issued.token, jti: issued.jti, exp: issued.exp, aud: auds, scope }, 201);
  });

  app.get("/", (c) => c.json({ tokens: issuer.list() }));

  app.delete("/:jti", (c) => {
    const jti = c.req.param("jti");
    if (!/^[0-9a-f-]{36}$/.test(jti) || !issuer.revoke(jti)) {
      throw new HubError(
        "not_found",
        "unknown_token",
        `no token with jti ${jti}; \`parachute token list\` shows each token's jti`,
      );
    }
    return c.json({ revoked: jti });
  });

  return app;
}
