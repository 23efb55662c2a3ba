import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { runVault, VAULT_MAIN } from "../testing/cli.ts";
import { tempDirs } from "../testing/core.ts";
import { ALL_TOOLS, ok, toolNames } from "../testing/mcp.ts";

const temp = tempDirs("vault-mcp-");

describe("parachute-vault mcp, on stdio", () => {
  test("lists the tools with full access, creates a note and finds it", async () => {
    const client = new Client({ name: "stdio-test", version: "0" });
    try {
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [VAULT_MAIN, "mcp", "--vault", "default"],
          env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", PARACHUTE_HOME: temp() },
          stderr: "pipe",
        }),
      );
      expect(await toolNames(client)).toEqual(ALL_TOOLS);
      const note = await ok(client, "create-note", {
        path: "local/one",
        content: "over stdio",
        tags: ["cli"],
      });
      const found = await ok(client, "query-notes", { search: "stdio" });
      expect(found.notes.map((n: { id: string }) => n.id)).toEqual([note.id]);
      expect((await ok(client, "vault-info")).access).toBe("admin");
    } finally {
      await client.close();
    }
  });

  test("an unknown vault exits 5; mcp-config prints the hub URL, or the stdio command", async () => {
    const run = (args: string[], env: Record<string, string> = {}) => runVault(temp(), args, { env });
    const missing = await run(["mcp", "--vault", "nowhere"]);
    expect([missing.code, missing.stderr]).toEqual([5, expect.stringContaining("no vault named nowhere")]);

    const unknown = await run(["mcp-config", "work"], { PARACHUTE_HUB_ORIGIN: "https://notes.example.org" });
    expect([unknown.code, unknown.stdout]).toEqual([5, ""]);
    expect(unknown.stderr).toContain("no vault named work (there are: default)");

    const home = temp();
    expect((await runVault(home, ["import", temp(), "--vault", "work"])).code).toBe(0);
    const http = await runVault(home, ["mcp-config", "work"], {
      env: { PARACHUTE_HUB_ORIGIN: "https://notes.example.org" },
    });
    expect(http.code).toBe(0);
    expect(JSON.parse(http.stdout)).toEqual({
      mcpServers: {
        "parachute-vault-work": { type: "http", url: "https://notes.example.org/vault/work/mcp" },
      },
    });
    const local = await run(["mcp-config", "--stdio"]);
    const server = JSON.parse(local.stdout).mcpServers["parachute-vault-default"];
    expect(server).toMatchObject({ type: "stdio", args: [VAULT_MAIN, "mcp", "--vault", "default"] });
    expect(server.command).toBe(process.execPath);

    expect((await run(["mcp-config", "Not/A/Vault"])).code).toBe(2);
    expect((await run(["frobnicate"])).code).toBe(2);
  });

  test("mcp-config gives the origin of the hub running for the home, and says so when none runs", async () => {
    const home = temp();
    const none = await runVault(home, ["mcp-config"]);
    expect([none.code, none.stdout]).toEqual([3, ""]);
    expect(none.stderr).toContain(`no hub is running for ${home}`);

    // A runtime file naming a live process (this one) is a running hub; one naming a dead process is not.
    const runtime = { pid: process.pid, port: 45678, origin: "http://127.0.0.1:45678", version: "0.1.0" };
    writeFileSync(join(home, "hub.runtime.json"), JSON.stringify(runtime));
    const live = await runVault(home, ["mcp-config"]);
    expect(live.code, live.stderr).toBe(0);
    expect(JSON.parse(live.stdout).mcpServers["parachute-vault-default"]).toEqual({
      type: "http",
      url: "http://127.0.0.1:45678/vault/default/mcp",
    });
    const dead = Bun.spawnSync(["true"]).pid;
    writeFileSync(join(home, "hub.runtime.json"), JSON.stringify({ ...runtime, pid: dead }));
    expect((await runVault(home, ["mcp-config"])).code).toBe(3);
  });
});
