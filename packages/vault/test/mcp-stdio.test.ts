import { describe, expect, test } from "bun:test";
import { rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { CHALLENGE_HEADER, PROOF_HEADER, proofFor } from "@parachute/module-kit";
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

  test("mcp-config gives the origin only of a hub that proves it serves the home", async () => {
    const home = temp();
    const file = join(home, "hub.runtime.json");
    const none = await runVault(home, ["mcp-config"]);
    expect([none.code, none.stdout]).toEqual([3, ""]);
    expect(none.stderr).toContain(`no hub is running for ${home}`);

    // Something on the port that knows the runtime file's secret (as the hub's /health does) is the hub.
    const secret = "s".repeat(64);
    const answer = (prove: boolean) =>
      Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        fetch: (req) => {
          const challenge = req.headers.get(CHALLENGE_HEADER) ?? "";
          const headers: Record<string, string> = prove
            ? { [PROOF_HEADER]: proofFor(secret, challenge) }
            : {};
          return Response.json({ status: "ok" }, { headers });
        },
      });
    const hub = answer(true);
    const squatter = answer(false);
    try {
      const runtime = {
        pid: process.pid,
        port: hub.port,
        origin: "https://notes.example.org",
        version: "0.1.0",
        secret,
      };
      writeFileSync(file, JSON.stringify(runtime));
      const live = await runVault(home, ["mcp-config"]);
      expect(live.code, live.stderr).toBe(0);
      expect(JSON.parse(live.stdout).mcpServers["parachute-vault-default"]).toEqual({
        type: "http",
        url: "https://notes.example.org/vault/default/mcp",
      });

      // A stale file: its pid is gone, or another process answers on its port without the secret.
      const refused = async (contents: unknown) => {
        writeFileSync(file, typeof contents === "string" ? contents : JSON.stringify(contents));
        const r = await runVault(home, ["mcp-config"]);
        expect([r.code, r.stdout], JSON.stringify(contents)).toEqual([3, ""]);
      };
      await refused({ ...runtime, pid: Bun.spawnSync(["true"]).pid });
      await refused({ ...runtime, port: squatter.port });
      await refused({ ...runtime, secret: "not-the-secret" });
      // Malformed contents are no hub either, never a URL to paste into a client.
      await refused({ ...runtime, origin: "javascript:alert(1)//" });
      await refused({ ...runtime, origin: { a: 1 } });
      await refused({ ...runtime, pid: 0 });
      await refused({ ...runtime, pid: -1 });
      await refused("not json");
      await refused(JSON.stringify({ ...runtime, pad: "x".repeat(10_000) }));
      // A device or a pipe in the file's place is refused at once, not read.
      rmSync(file);
      symlinkSync("/dev/zero", file);
      expect((await runVault(home, ["mcp-config"])).code).toBe(3);
      rmSync(file);
      expect(Bun.spawnSync(["mkfifo", file]).exitCode).toBe(0);
      expect((await runVault(home, ["mcp-config"])).code).toBe(3);
    } finally {
      hub.stop(true);
      squatter.stop(true);
    }
  });
});
