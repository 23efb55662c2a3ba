import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { launchChromium, screenshotDir } from "../packages/hub/testing/browser.ts";
import {
  cleanUp,
  type HubProcess,
  startHub,
  TEST_ADMIN,
  TEST_SETUP_TOKEN,
  tempHome,
} from "../packages/hub/testing/hub-process.ts";

const SHOTS = screenshotDir("first-hour");

/** A new operator's first minutes in a browser: setup, a mistake on the way, the hub's home page. */
describe("the first hour in Chromium", () => {
  let hub: HubProcess;
  let browser: Browser;

  beforeAll(async () => {
    hub = await startHub(tempHome(), {}, { setup: false });
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    await cleanUp();
  });

  test("setup refuses a wrong token keeping the username, then lands on a page that says what is next", async () => {
    const page = await browser.newPage();
    await page.goto(`${hub.origin}/`);
    expect(new URL(page.url()).pathname).toBe("/admin/setup");

    await page.getByLabel("Setup token").fill("not-the-setup-token");
    await page.getByLabel("Username").fill(TEST_ADMIN.username);
    await page.getByLabel("Password (at least 12 characters)").fill(TEST_ADMIN.password);
    await page.getByRole("button", { name: "Create admin" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("the setup token is not right");
    expect(await page.getByLabel("Username").inputValue()).toBe(TEST_ADMIN.username);
    expect(await page.getByLabel("Setup token").inputValue()).toBe("");
    await page.screenshot({ path: join(SHOTS, "setup-wrong-token.png") });

    await page.getByLabel("Setup token").fill(TEST_SETUP_TOKEN);
    await page.getByLabel("Password (at least 12 characters)").fill(TEST_ADMIN.password);
    await page.getByRole("button", { name: "Create admin" }).click();
    await page.waitForURL(`${hub.origin}/`);
    const text = await page.locator("main").innerText();
    expect(text).toContain(`Signed in as ${TEST_ADMIN.username}`);
    expect(text).toContain("No modules yet");
    expect(text).toContain("npx parachute install vault");
    expect(text).not.toContain('"csrf"');
    await page.screenshot({ path: join(SHOTS, "home-empty.png") });

    // The example module, installed from the command line, shows up with its address.
    const installed = await hub.op("POST", "/api/modules/install", {
      path: join(import.meta.dir, "..", "examples", "hello-module"),
    });
    expect(installed.status).toBe(200);
    await page.reload();
    const listed = await page.locator("li").first().innerText();
    expect(listed).toContain("hello");
    expect(listed).toContain("running");
    expect(listed).toContain(`${hub.origin}/hello`);
    await page.screenshot({ path: join(SHOTS, "home-with-module.png") });
    await page.close();
  }, 30_000);

  test("a fresh browser logs in and comes back to the home page, not to JSON", async () => {
    const context = await browser.newContext({ colorScheme: "dark" });
    const page = await context.newPage();
    await page.goto(`${hub.origin}/`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.getByLabel("Username").fill(TEST_ADMIN.username);
    await page.getByLabel("Password", { exact: true }).fill(TEST_ADMIN.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${hub.origin}/`);
    expect(await page.locator("h1").innerText()).toBe("Parachute");
    await page.screenshot({ path: join(SHOTS, "home-dark.png") });
    await context.close();
  }, 30_000);
});
