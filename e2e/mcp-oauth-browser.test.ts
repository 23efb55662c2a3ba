import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import type { Browser, Page } from "playwright-core";
import { callbackServer, launchChromium, screenshotDir } from "../packages/hub/testing/browser.ts";
import {
  cleanUp,
  type HubProcess,
  startHub,
  TEST_ADMIN,
  tempHome,
} from "../packages/hub/testing/hub-process.ts";
import { ALL_TOOLS, toolNames } from "../packages/vault/testing/mcp.ts";

const VAULT_DIR = join(import.meta.dir, "..", "packages", "vault");
const SHOTS = screenshotDir("mcp-oauth");

/**
 * The MCP SDK's client-side OAuth state, kept in memory; the browser part of the flow is a real
 * Chromium, driven like a person would: log in, read the consent page, click a button.
 */
class BrowserProvider implements OAuthClientProvider {
  info?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier = "";
  consentText = "";

  constructor(
    private readonly page: Page,
    readonly redirectUrl: string,
    private readonly decision: "Allow" | "Deny",
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "Chromium test client",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }

  /** Where the SDK sends the person; the test opens it in the browser once the SDK has asked. */
  authorizationUrl?: URL;

  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }

  /** What the person does in the browser: log in, read the consent page, click a button. */
  async consent(): Promise<void> {
    await this.page.goto(this.authorizationUrl!.href);
    await this.page.getByLabel("Username").fill(TEST_ADMIN.username);
    await this.page.getByLabel("Password", { exact: true }).fill(TEST_ADMIN.password);
    await this.page.screenshot({ path: join(SHOTS, "login.png") });
    await this.page.getByRole("button", { name: "Log in" }).click();
    await this.page.getByRole("button", { name: this.decision }).waitFor();
    this.consentText = await this.page.locator("main").innerText();
    await this.page.screenshot({ path: join(SHOTS, "consent.png") });
    const size = this.page.viewportSize();
    await this.page.setViewportSize({ width: 375, height: 740 });
    await this.page.screenshot({ path: join(SHOTS, "consent-375.png") });
    if (size) await this.page.setViewportSize(size);
    await this.page.getByRole("button", { name: this.decision }).click();
  }
}

describe("an MCP client connects to the vault with OAuth, its browser part in Chromium", () => {
  let hub: HubProcess;
  let browser: Browser;
  let url: URL;

  beforeAll(async () => {
    hub = await startHub(tempHome());
    expect((await hub.op("POST", "/api/modules/install", { path: VAULT_DIR })).status).toBe(200);
    url = new URL(`${hub.origin}/vault/default/mcp`);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    await cleanUp();
  });

  test("401 → resource metadata → server metadata → registration → login → consent → Allow → code → token → tools/list", async () => {
    const callback = callbackServer();
    const page = await browser.newPage();
    try {
      const provider = new BrowserProvider(page, callback.url, "Allow");
      const first = new StreamableHTTPClientTransport(url, { authProvider: provider });
      const client = new Client({ name: "oauth-e2e", version: "0" });
      // The SDK meets the 401, discovers the hub, registers, and sends the browser to authorize.
      await expect(client.connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
      await provider.consent();
      const q = await callback.next();
      expect(q.get("iss")).toBe(hub.origin);
      expect(q.get("error")).toBeNull();
      expect(provider.consentText).toContain("Chromium test client");
      expect(provider.consentText).toContain('read and change your vault "default"');
      expect(provider.consentText).toContain("as admin");
      await first.finishAuth(q.get("code")!);
      expect(provider.saved?.scope).toBe("vault:default:write");

      const connected = new Client({ name: "oauth-e2e", version: "0" });
      await connected.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }));
      expect(await toolNames(connected)).toEqual(ALL_TOOLS);
      await connected.close();
    } finally {
      await page.close();
      callback.stop();
    }
  }, 60_000);

  test("Deny sends the browser back to the app with access_denied and the issuer", async () => {
    const callback = callbackServer();
    const page = await browser.newPage();
    try {
      const provider = new BrowserProvider(page, callback.url, "Deny");
      const client = new Client({ name: "oauth-e2e", version: "0" });
      await expect(
        client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider })),
      ).rejects.toBeInstanceOf(UnauthorizedError);
      await provider.consent();
      const q = await callback.next();
      expect(q.get("error")).toBe("access_denied");
      expect(q.get("iss")).toBe(hub.origin);
      expect(q.get("code")).toBeNull();
    } finally {
      await page.close();
      callback.stop();
    }
  }, 60_000);
});
