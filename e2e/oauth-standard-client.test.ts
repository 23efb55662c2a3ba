import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import * as oauth from "oauth4webapi";
import { cleanUp, type HubProcess, startHub, tempHome } from "../packages/hub/testing/hub-process.ts";
import { consentByFetch } from "../packages/hub/testing/oauth-consent.ts";

const VAULT_DIR = join(import.meta.dir, "..", "packages", "vault");
const REDIRECT = "http://127.0.0.1:53682/callback";
/** The hub runs on loopback http in tests; oauth4webapi otherwise insists on https. */
const insecure = { [oauth.allowInsecureRequests]: true };

/**
 * The hub's authorization server as `oauth4webapi` sees it: a strict, well-known client that checks
 * the metadata, RFC 9207's `iss`, and the shape of every token and error response.
 */
describe("the hub's OAuth server, through oauth4webapi", () => {
  let hub: HubProcess;
  let as: oauth.AuthorizationServer;
  let client: oauth.Client;
  let resource: string;

  beforeAll(async () => {
    hub = await startHub(tempHome());
    expect((await hub.op("POST", "/api/modules/install", { path: VAULT_DIR })).status).toBe(200);
    resource = `${hub.origin}/vault/default/mcp`;
    const issuer = new URL(hub.origin);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: "oauth2", ...insecure }),
    );
    const registered = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        { redirect_uris: [REDIRECT], client_name: "oauth4webapi", token_endpoint_auth_method: "none" },
        insecure,
      ),
    );
    client = { client_id: registered.client_id };
  }, 30_000);
  afterAll(async () => {
    await hub?.stop();
    await cleanUp();
  });

  /** An authorization URL for `extra` parameters, with PKCE and state; returns it and its verifier. */
  async function authorizationUrl(extra: Record<string, string> = {}) {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    for (const [k, v] of Object.entries({
      response_type: "code",
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      resource,
      ...extra,
    }))
      url.searchParams.set(k, v);
    return { url, verifier, state };
  }

  test("metadata: RFC 8414 fields, S256 only, iss in authorization responses", () => {
    expect(as.issuer).toBe(hub.origin);
    expect(as.code_challenge_methods_supported).toEqual(["S256"]);
    expect(as.authorization_response_iss_parameter_supported).toBe(true);
    expect(as.registration_endpoint).toBe(`${hub.origin}/oauth/register`);
  });

  test("authorization code with PKCE → tokens bound to the resource → refresh rotation → revocation", async () => {
    const { url, verifier, state } = await authorizationUrl({ scope: "vault:default:write" });
    const back = await consentByFetch(hub, url.href, "allow");
    const params = oauth.validateAuthResponse(as, client, back, state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.None(),
        params,
        REDIRECT,
        verifier,
        insecure,
      ),
    );
    expect(tokens.token_type).toBe("bearer");
    expect(tokens.scope).toBe("vault:default:write");
    const claims = JSON.parse(Buffer.from(tokens.access_token.split(".")[1]!, "base64url").toString());
    expect(claims.aud).toBe("vault");
    const notes = await fetch(`${hub.origin}/vault/default/api/notes`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(notes.status).toBe(200);

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure),
    );
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, oauth.None(), refreshed.refresh_token!, insecure),
    );
    const use = await fetch(`${hub.origin}/vault/default/api/notes`, {
      headers: { authorization: `Bearer ${refreshed.access_token}` },
    });
    expect(use.status).toBe(401);
  });

  test("errors come back in the RFC's terms: denial with iss, a foreign resource, a reused code", async () => {
    const denied = await authorizationUrl({ scope: "vault:default:read" });
    const deniedBack = await consentByFetch(hub, denied.url.href, "deny");
    expect(() => oauth.validateAuthResponse(as, client, deniedBack, denied.state)).toThrow(
      oauth.AuthorizationResponseError,
    );
    expect(deniedBack.searchParams.get("iss")).toBe(hub.origin);

    const foreign = await authorizationUrl({ resource: "https://evil.example/mcp" });
    const res = await fetch(foreign.url, { headers: { cookie: hub.session!.cookie }, redirect: "manual" });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get("location")!);
    let error: unknown;
    try {
      oauth.validateAuthResponse(as, client, back, foreign.state);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(oauth.AuthorizationResponseError);
    expect((error as oauth.AuthorizationResponseError).error).toBe("invalid_target");

    const { url, verifier, state } = await authorizationUrl({ scope: "vault:default:read" });
    const params = oauth.validateAuthResponse(
      as,
      client,
      await consentByFetch(hub, url.href, "allow"),
      state,
    );
    const exchange = () =>
      oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, insecure);
    await oauth.processAuthorizationCodeResponse(as, client, await exchange());
    const replay = await oauth.processAuthorizationCodeResponse(as, client, await exchange()).catch((e) => e);
    expect(replay).toBeInstanceOf(oauth.ResponseBodyError);
    expect((replay as oauth.ResponseBodyError).error).toBe("invalid_grant");
  });
});
