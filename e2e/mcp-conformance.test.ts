import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runProgram } from "@parachute/module-kit/testing";
import type { Server } from "bun";
import { cleanUp, type HubProcess, startHub, tempHome } from "../packages/hub/testing/hub-process.ts";

const ROOT = join(import.meta.dir, "..");
const VAULT_DIR = join(ROOT, "packages", "vault");
const CHECKERS = join(ROOT, "tools", "mcp-checkers");
const MCP = join(CHECKERS, "node_modules", "@modelcontextprotocol");
const CONFORMANCE = join(MCP, "conformance", "dist", "index.js");
const INSPECTOR = join(MCP, "inspector", "clients", "cli", "build", "index.js");

/**
 * The checkers ask for Node 22, so they live in their own project beside the main install (and run
 * under Bun here, like everything else); the first run installs them from its lockfile.
 */
beforeAll(async () => {
  if (existsSync(CONFORMANCE) && existsSync(INSPECTOR)) return;
  const r = await runProgram(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], {}, CHECKERS);
  if (r.code !== 0) throw new Error(`installing the MCP checkers failed: ${r.stderr}`);
}, 180_000);

/**
 * The official MCP conformance suite's server scenarios that apply to the vault, run against its
 * endpoint through the hub. The suite's client sends no credential, so a loopback forwarder adds a
 * hub token and passes everything else (the Host header included) through unchanged.
 */
describe("the vault's MCP endpoint against the official MCP conformance suite", () => {
  let hub: HubProcess;
  let forwarder: Server<unknown>;

  beforeAll(async () => {
    hub = await startHub(tempHome());
    expect((await hub.op("POST", "/api/modules/install", { path: VAULT_DIR })).status).toBe(200);
    const made = await hub.api("POST", "/api/tokens", { scope: "vault:default:write" });
    const { token } = (await made.json()) as { token: string };
    forwarder = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(req) {
        const u = new URL(req.url);
        const headers = new Headers(req.headers);
        headers.set("authorization", `Bearer ${token}`);
        return fetch(`http://127.0.0.1:${hub.port}${u.pathname}${u.search}`, {
          method: req.method,
          headers,
          body: req.body,
          redirect: "manual",
          duplex: "half",
        } as RequestInit);
      },
    });
  }, 30_000);
  afterAll(async () => {
    forwarder?.stop(true);
    await hub?.stop();
    await cleanUp();
  });

  test.each(["server-initialize", "ping", "tools-list", "dns-rebinding-protection"])(
    "%s passes",
    async (scenario) => {
      const url = `http://localhost:${forwarder.port}/vault/default/mcp`;
      const r = await runProgram(
        [process.execPath, CONFORMANCE, "server", "--url", url, "--scenario", scenario],
        {},
        tempHome(),
      );
      const summary = /Passed: (\d+)\/(\d+), (\d+) failed, (\d+) warnings/.exec(r.stdout);
      expect(summary, r.stdout + r.stderr).not.toBeNull();
      expect(summary![1]).toBe(summary![2]);
      expect([summary![3], summary![4]]).toEqual(["0", "0"]);
      expect(r.code).toBe(0);
    },
    60_000,
  );
});

describe("the vault's tool schemas under the MCP Inspector's --strict checks", () => {
  test("tools/list over stdio: no schema portability error or warning", async () => {
    const r = await runProgram(
      [
        process.execPath,
        INSPECTOR,
        "--method",
        "tools/list",
        "--strict",
        "--",
        process.execPath,
        join(VAULT_DIR, "src", "main.ts"),
        "mcp",
      ],
      { PARACHUTE_HOME: tempHome() },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"name": "get-backlinks"');
    expect(r.stderr).not.toMatch(/Warning|Error|portability/);
  }, 60_000);
});
