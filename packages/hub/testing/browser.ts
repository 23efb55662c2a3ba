import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";

/**
 * Where a browser test writes its screenshots for a person to look at: `test-output/<suite>` in the
 * checkout (ignored by git), emptied at the start of the run.
 */
export function screenshotDir(suite: string): string {
  const dir = join(import.meta.dir, "..", "..", "..", "test-output", suite);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Debian's Chromium, which `.ci/run` installs: test tools never download a browser of their own. */
const CHROMIUM = process.env.PARACHUTE_CHROMIUM ?? "/usr/bin/chromium";

/**
 * A headless Chromium for tests, driven over the DevTools protocol on a WebSocket (the pipe transport
 * stalls under Bun's event loop). Its background services are off: this machine's network is closed,
 * and nothing a test does should depend on Google's servers. Closing the browser ends the process
 * and removes its profile.
 */
export async function launchChromium(args: string[] = []): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "parachute-chromium-"));
  const proc = Bun.spawn(
    [
      CHROMIUM,
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      ...args,
      "about:blank",
    ],
    { stdout: "ignore", stderr: "pipe" },
  );
  const reader = proc.stderr.getReader();
  let said = "";
  let endpoint: string | undefined;
  while (!endpoint) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`chromium exited before listening: ${said.slice(-500)}`);
    said += new TextDecoder().decode(value);
    endpoint = /DevTools listening on (ws:\/\/\S+)/.exec(said)?.[1];
  }
  void reader.cancel();
  const browser = await chromium.connectOverCDP(endpoint);
  const close = browser.close.bind(browser);
  browser.close = async () => {
    await close().catch(() => {});
    proc.kill("SIGKILL");
    await proc.exited;
    rmSync(profile, { recursive: true, force: true });
  };
  return browser;
}

/** A one-route server standing in for an app's OAuth redirect address; it hands over what arrives. */
export function callbackServer(): { url: string; next(): Promise<URLSearchParams>; stop(): void } {
  const waiting: ((q: URLSearchParams) => void)[] = [];
  const arrived: URLSearchParams[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const q = new URL(req.url).searchParams;
      const w = waiting.shift();
      if (w) w(q);
      else arrived.push(q);
      return new Response("<!doctype html><title>Connected</title><p>You can close this window.</p>", {
        headers: { "content-type": "text/html" },
      });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/callback`,
    next: () => {
      const q = arrived.shift();
      return q ? Promise.resolve(q) : new Promise((resolve) => waiting.push(resolve));
    },
    stop: () => server.stop(true),
  };
}

/**
 * Runs axe-core (the accessibility engine browsers' audits use) in the page; returns the serious and
 * critical violations, as "rule: first element" lines.
 */
export async function seriousA11yProblems(page: import("playwright-core").Page): Promise<string[]> {
  const source = await Bun.file(require.resolve("axe-core/axe.min.js")).text();
  // Evaluated over the DevTools protocol: the pages' policy forbids inline scripts, rightly.
  await page.evaluate(source);
  const found = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run()).violations;
  })) as { id: string; impact: string; nodes: { target: string[] }[] }[];
  return found
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes[0]?.target.join(" ")}`);
}
