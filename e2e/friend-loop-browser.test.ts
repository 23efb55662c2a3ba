import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium, screenshotDir } from "../packages/hub/testing/browser.ts";
import {
  cleanUp,
  type HubProcess,
  runProgram,
  startHub,
  TEST_ADMIN,
  TEST_SETUP_TOKEN,
  tempHome,
  waitFor,
} from "../packages/hub/testing/hub-process.ts";

const SHOTS = screenshotDir("admin");
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 740 };

/**
 * The friend loop (docs/product.md): an empty home, the hub started, the browser sent to setup, the
 * admin account made, vault, notes and scribe picked and installed while the page watches, the
 * dashboard showing them running, and a note written in the notes app landing in the vault.
 */
describe("the friend loop in Chromium", () => {
  let hub: HubProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let began = 0;

  const shot = async (name: string) => {
    await page.screenshot({ path: join(SHOTS, `${name}-desktop.png`), fullPage: true });
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(SHOTS, `${name}-375.png`), fullPage: true });
    await page.setViewportSize(DESKTOP);
  };

  beforeAll(async () => {
    // Packing the checkout's modules is a build step, done before the clock starts (as in bench/).
    const source = tempHome();
    const packed = await runProgram(
      [process.execPath, join(import.meta.dir, "..", "scripts", "pack-modules.ts"), "--out", source],
      {},
    );
    expect(packed.code, packed.stderr).toBe(0);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: DESKTOP });
    page = await context.newPage();
    began = performance.now();
    hub = await startHub(tempHome(), { PARACHUTE_MODULE_SOURCE: source }, { setup: false });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    await cleanUp();
  });

  test("/ leads to setup; a wrong token is said plainly and the username is kept", async () => {
    await page.goto(`${hub.origin}/`);
    await page.waitForURL(`${hub.origin}/admin/setup`);
    await page.getByLabel("Setup token").fill("not-the-setup-token");
    await page.getByLabel("Username").fill(TEST_ADMIN.username);
    await page.getByLabel("Password (at least 12 characters)").fill(TEST_ADMIN.password);
    await page.getByRole("button", { name: "Create admin" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("That is not the setup token");
    expect(await page.getByLabel("Username").inputValue()).toBe(TEST_ADMIN.username);
    expect(await page.getByLabel("Setup token").inputValue()).toBe("");
    await shot("setup-wrong-token");
  });

  test("the account is made; two-factor is offered and skipped; vault, notes and scribe come preselected", async () => {
    await page.getByLabel("Setup token").fill(TEST_SETUP_TOKEN);
    await page.getByLabel("Password (at least 12 characters)").fill(TEST_ADMIN.password);
    await page.getByRole("button", { name: "Create admin" }).click();
    await page.getByRole("heading", { name: "Two-factor login" }).waitFor();
    await shot("setup-2fa");
    await page.getByRole("button", { name: "Skip for now" }).click();
    await page.getByRole("heading", { name: "Choose your modules" }).waitFor();
    for (const name of ["Vault", "Notes", "Scribe"]) {
      expect(await page.getByRole("checkbox", { name: new RegExp(`^${name}`) }).isChecked()).toBe(true);
    }
    await shot("setup-modules");
  });

  test("the installs are watched live, then the dashboard shows all three running", async () => {
    await page.getByRole("button", { name: "Install 3 modules" }).click();
    await page.getByRole("heading", { name: "Installing" }).waitFor();
    await waitFor(
      async () => (await page.locator(".progress .ok").count()) === 3,
      "three installs to finish",
      90_000,
    );
    await shot("setup-installed");
    await page.getByRole("link", { name: "Go to the dashboard" }).click();
    await page.waitForURL(`${hub.origin}/admin`);
    for (const name of ["vault", "notes", "scribe"]) {
      await page.locator(`[data-module="${name}"] [data-state="active"]`).waitFor();
    }
    await shot("dashboard");
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
  }, 120_000);

  test("a note written in the notes app is in the vault; the loop's wall time is reported", async () => {
    await page.locator('[data-module="notes"] a', { hasText: "/notes" }).click();
    await page.waitForURL(/\/notes\//);
    await page.getByRole("link", { name: "New note" }).click();
    await page.getByLabel("Note path").fill("First note");
    await page.locator(".cm-content").click();
    await page.keyboard.type("It works.");
    await page.keyboard.press("Control+s");
    await page.locator(".save-state.saved").waitFor();
    const seconds = (performance.now() - began) / 1000;
    const { token } = (await (await hub.api("POST", "/api/tokens", { scope: "vault:read" })).json()) as {
      token: string;
    };
    const note = (await (
      await fetch(`${hub.origin}/vault/default/api/notes/First note`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { content: string };
    expect(note.content).toBe("It works.");
    console.log(
      `friend loop: empty home → note saved in the browser in ${seconds.toFixed(1)} s (target: time to working ≤ 60 s)`,
    );
  }, 60_000);

  test("a module's page: its settings form and its live log", async () => {
    await page.goto(`${hub.origin}/admin/modules/scribe`);
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    await page.getByLabel("Longest recording (minutes)").fill("20");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Saved.").waitFor();
    await page.locator('[data-testid="log"]', { hasText: "scribe" }).waitFor();
    await shot("module-page");
  });

  test("a fresh browser that logs in is taken to the dashboard", async () => {
    const other = await browser.newContext({ colorScheme: "dark", viewport: DESKTOP });
    const p = await other.newPage();
    await p.goto(`${hub.origin}/`);
    expect(new URL(p.url()).pathname).toBe("/login");
    await p.getByLabel("Username").fill(TEST_ADMIN.username);
    await p.getByLabel("Password", { exact: true }).fill(TEST_ADMIN.password);
    await p.getByRole("button", { name: "Log in" }).click();
    await p.waitForURL(`${hub.origin}/admin/`);
    await p.locator('[data-module="vault"]').waitFor();
    await p.screenshot({ path: join(SHOTS, "dashboard-dark.png") });
    await other.close();
  });
});
