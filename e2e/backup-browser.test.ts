/**
 * Backup and restore from the admin app's Hub page in Chromium: the backup arrives as a download,
 * a damaged file is refused in plain words, and restoring the backup brings the hub back to it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchChromium, screenshotDir, seriousA11yProblems } from "../packages/hub/testing/browser.ts";
import {
  cleanUp,
  type HubProcess,
  runProgram,
  startHub,
  TEST_ADMIN,
  tempHome,
  waitForState,
} from "../packages/hub/testing/hub-process.ts";

const SHOTS = screenshotDir("admin");

describe("backup and restore in the admin app", () => {
  let hub: HubProcess;
  let browser: Browser;
  let page: Page;
  let token = "";

  const note = (path: string) =>
    fetch(`${hub.origin}/vault/default/api/notes/${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
  const write = async (path: string, content: string) => {
    const res = await fetch(`${hub.origin}/vault/default/api/notes`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ path, content }),
    });
    expect(res.status).toBe(201);
  };

  beforeAll(async () => {
    hub = await startHub(tempHome());
    expect((await hub.op("POST", "/api/modules/install", { short: "vault" })).status).toBe(200);
    token = (
      (await (await hub.api("POST", "/api/tokens", { scope: "vault:write" })).json()) as { token: string }
    ).token;
    // Big enough that the upload is far past the hub's 64 KB cap on its other routes.
    await write("kept/before", `in the backup\n${randomBytes(300_000).toString("base64")}`);
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    page = await context.newPage();
    await page.goto(`${hub.origin}/login`);
    await page.getByLabel("Username").fill(TEST_ADMIN.username);
    await page.getByLabel("Password", { exact: true }).fill(TEST_ADMIN.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${hub.origin}/admin/`);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    await cleanUp();
  });

  let saved = "";

  test("the Hub page gives a backup as a download", async () => {
    await page.goto(`${hub.origin}/admin/hub`);
    await page.getByRole("heading", { name: "Backup and restore" }).waitFor();
    expect(await seriousA11yProblems(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "hub-backup-desktop.png"), fullPage: true });
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download a backup" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^parachute-backup-[\d-]+\.tar\.gz$/);
    saved = join(tempHome(), download.suggestedFilename());
    await download.saveAs(saved);
    const listed = await runProgram(["tar", "-tzf", saved], {});
    expect(listed.stdout).toContain("manifest.json");
    expect(await page.getByRole("status").textContent()).toMatch(/Backup taken \(\d+ KB\)/);
  }, 60_000);

  test("a file that is not a whole backup is refused in plain words, and nothing changes", async () => {
    const bogus = join(tempHome(), "holiday.tar.gz");
    writeFileSync(bogus, "not an archive");
    await page.getByLabel("Restore from a backup").setInputFiles(bogus);
    await page.getByRole("button", { name: "Restore", exact: true }).click();
    await page.getByRole("button", { name: "Replace everything now" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("not a whole Parachute backup");
    expect((await note("kept/before")).status).toBe(200);
  }, 60_000);

  test("restoring the backup brings the hub back to it", async () => {
    await write("lost/after", "written after the backup");
    await page.getByLabel("Restore from a backup").setInputFiles(saved);
    await page.getByRole("button", { name: "Restore", exact: true }).click();
    await page.getByRole("button", { name: "Replace everything now" }).click();
    await page.getByText("Restored.").waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, "hub-restored-desktop.png"), fullPage: true });
    await waitForState(hub, "vault", "active");
    expect((await note("kept/before")).status).toBe(200);
    expect((await note("lost/after")).status).toBe(404);
  }, 60_000);
});
