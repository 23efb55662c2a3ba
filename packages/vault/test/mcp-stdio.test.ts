import { describe, expect, test } from "bun:test";
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

    const http = await run(["mcp-config", "work"], { PARACHUTE_HUB_ORIGIN: "https://notes.example.org" });
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
});
