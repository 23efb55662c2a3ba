import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { launchChromium } from "../packages/hub/testing/browser.ts";
import { startHub, TEST_ADMIN, tempHome } from "../packages/hub/testing/hub-process.ts";
import { importFolder, VaultSet } from "../packages/vault/src/index.ts";
import { corpus, VOCAB, zipfWord } from "./corpus.ts";
import { median, type Row } from "./stats.ts";

const PACKAGES = join(import.meta.dir, "..", "packages");

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** A browser context logged in to the hub, with nothing cached: a first visit. */
async function freshVisit(browser: Browser, state: Awaited<ReturnType<BrowserContext["storageState"]>>) {
  return browser.newContext({ storageState: state, viewport: { width: 1280, height: 800 } });
}

/**
 * The notes app on a big vault, in Chromium through the hub: first load (a cold visit, the address
 * entered → the first page of notes on screen) and search (the search box changed → the results on
 * screen, measured in the page), against docs/product.md.
 */
export async function notesBench(quick: boolean): Promise<Row[]> {
  const n = quick ? 20_000 : 100_000;
  const home = tempHome();
  const work = mkdtempSync(join(tmpdir(), "notes-bench-"));
  corpus(join(work, "src"), n);
  const vaults = new VaultSet(join(home, "vault"), () => Date.now());
  await importFolder(vaults.get("default").notes, join(work, "src"), vaults.get("default").attachments);
  vaults.close();
  rmSync(work, { recursive: true, force: true });

  const hub = await startHub(home);
  const browser = await launchChromium();
  try {
    for (const name of ["vault", "notes"]) {
      const res = await hub.op("POST", "/api/modules/install", { path: join(PACKAGES, name) });
      if (res.status !== 200) throw new Error(`${name} install: ${await res.text()}`);
    }
    const login = await browser.newContext();
    const page = await login.newPage();
    await page.goto(`${hub.origin}/login?next=/notes/`);
    await page.getByLabel("Username").fill(TEST_ADMIN.username);
    await page.getByLabel("Password").fill(TEST_ADMIN.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.locator(".note-item").first().waitFor({ timeout: 60_000 });
    const state = await login.storageState();
    await login.close();

    const loads: number[] = [];
    for (let i = 0; i < (quick ? 2 : 5); i++) {
      const ctx = await freshVisit(browser, state);
      const p = await ctx.newPage();
      const began = performance.now();
      await p.goto(`${hub.origin}/notes/`);
      await p.locator(".note-item").nth(49).waitFor();
      loads.push(performance.now() - began);
      await ctx.close();
    }

    const ctx = await freshVisit(browser, state);
    const p = await ctx.newPage();
    await p.goto(`${hub.origin}/notes/`);
    await p.locator(".note-item").first().waitFor();
    const searches: number[] = [];
    const queries = Array.from({ length: quick ? 9 : 30 }, (_, q) =>
      q % 3 === 0 ? `unique${(q * 331) % n}` : q % 3 === 1 ? zipfWord() : VOCAB[q % 5]!,
    );
    for (const query of queries) {
      await p.evaluate(() => {
        const w = window as unknown as { __t0: number; __t1: number };
        w.__t0 = performance.now();
        w.__t1 = 0;
        new MutationObserver((_, obs) => {
          w.__t1 = performance.now();
          obs.disconnect();
        }).observe(document.querySelector(".note-list")!, {
          attributes: true,
          attributeFilter: ["data-shown-search"],
        });
      });
      await p.fill("#search", query);
      await p.waitForFunction(
        (q) => document.querySelector(".note-list")?.getAttribute("data-shown-search") === q,
        query,
      );
      const ms = await p.evaluate(() => {
        const w = window as unknown as { __t0: number; __t1: number };
        return w.__t1 - w.__t0;
      });
      searches.push(ms);
    }
    await ctx.close();

    const label = quick ? "20k" : "100k";
    const load = median(loads);
    const p50 = median(searches);
    const p95 = percentile(searches, 95);
    return [
      {
        what: `notes app: first load at ${label} notes (cold visit → first 50 notes on screen)`,
        figure: `${(load / 1000).toFixed(2)} s`,
        target: "≤ 1.5 s",
        ok: load <= 1500,
      },
      {
        what: `notes app: search box changed → results on screen at ${label} notes, p50 / p95`,
        figure: `${p50.toFixed(0)} / ${p95.toFixed(0)} ms`,
        target: "≤ 100 ms",
        ok: p95 <= 100,
      },
    ];
  } finally {
    await browser.close();
    await hub.stop();
  }
}
