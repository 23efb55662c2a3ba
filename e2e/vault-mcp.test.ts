import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { cleanUp, type HubProcess, startHub, tempHome } from "../packages/hub/testing/hub-process.ts";
import { runVault } from "../packages/vault/testing/cli.ts";
import {
  ALL_TOOLS,
  callTool,
  ok,
  READ_TOOLS,
  type ToolResult,
  toolNames,
} from "../packages/vault/testing/mcp.ts";

const VAULT_DIR = join(import.meta.dir, "..", "packages", "vault");
const clients: Client[] = [];

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

describe("the vault's MCP endpoint, through a real hub", () => {
  let hub: HubProcess;
  let url: URL;
  const token = async (scope: string) =>
    ((await (await hub.api("POST", "/api/tokens", { scope })).json()) as { token: string }).token;
  const connect = async (bearer: string) => {
    const client = new Client({ name: "mcp-test", version: "0" });
    clients.push(client);
    await client.connect(
      new StreamableHTTPClientTransport(url, {
        requestInit: { headers: { authorization: `Bearer ${bearer}` } },
      }),
    );
    return client;
  };

  beforeAll(async () => {
    hub = await startHub(tempHome());
    expect((await hub.op("POST", "/api/modules/install", { path: VAULT_DIR })).status).toBe(200);
    url = new URL(`${hub.origin}/vault/default/mcp`);
  }, 30_000);
  afterAll(async () => {
    await hub?.stop();
    await cleanUp();
  });

  test("parachute-vault mcp-config names this hub's endpoint, read from the home it runs for", async () => {
    const r = await runVault(hub.home, ["mcp-config", "default"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).mcpServers["parachute-vault-default"]).toEqual({
      type: "http",
      url: url.href,
    });
  });

  test("a vault:write token sees all nine tools and each one works against the vault", async () => {
    const client = await connect(await token("vault:write"));
    expect(await toolNames(client)).toEqual(ALL_TOOLS);

    const a = await ok(client, "create-note", {
      path: "mcp/Alpha",
      content: "first [[mcp/beta]]",
      tags: ["draft"],
      metadata: { kind: "test" },
    });
    expect(a).toMatchObject({ path: "mcp/Alpha", tags: ["draft"], metadata: { kind: "test" } });
    const b = await ok(client, "create-note", { path: "mcp/beta", content: "second", tags: ["draft"] });

    const found = await ok(client, "query-notes", { tag: ["draft"], metadata: { kind: "test" } });
    expect(found.notes.map((n: { id: string }) => n.id)).toEqual([a.id]);

    const updated = await ok(client, "update-note", {
      ref: "MCP/alpha.md",
      append: " more",
      tags_add: ["keep"],
      if_updated_at: a.updated_at,
    });
    expect(updated.content).toBe("first [[mcp/beta]] more");
    expect(updated.tags).toEqual(["draft", "keep"]);

    expect((await ok(client, "find-path", { path: "ALPHA" })).notes).toEqual([
      { id: a.id, path: "mcp/Alpha", updated_at: updated.updated_at },
    ]);
    expect((await ok(client, "find-path", { path: "mcp/beta", match: "exact" })).note.id).toBe(b.id);

    expect((await ok(client, "list-tags")).tags).toEqual([
      { tag: "draft", count: 2 },
      { tag: "keep", count: 1 },
    ]);
    expect(await ok(client, "update-tag", { from: "keep", to: "draft" })).toEqual({ renamed: 1 });
    expect((await ok(client, "list-tags")).tags).toEqual([{ tag: "draft", count: 2 }]);
    expect(await ok(client, "delete-tag", { tag: "draft" })).toEqual({ deleted: 2 });

    const info = await ok(client, "vault-info");
    expect(info).toMatchObject({ name: "default", notes: 2, tags: 0, links: 1, access: "write" });

    expect(await ok(client, "delete-note", { ref: b.id })).toMatchObject({ deleted: true, path: "mcp/beta" });
    const gone = (await client.callTool({
      name: "find-path",
      arguments: { path: b.id, match: "exact" },
    })) as ToolResult;
    expect(gone.isError).toBe(true);
    expect(gone.structuredContent.error).toBe("not_found");

    // The REST API sees what MCP wrote.
    const rest = await fetch(`${hub.origin}/vault/default/api/notes/${a.id}`, {
      headers: { authorization: `Bearer ${await token("vault:read")}` },
    });
    expect(((await rest.json()) as { content: string }).content).toBe("first [[mcp/beta]] more");
  });

  test("every kind of search sees each write at once, through the official MCP client", async () => {
    const client = await connect(await token("vault:write"));
    const paths = async (args: Record<string, unknown>) =>
      ((await ok(client, "query-notes", { limit: 50, ...args })).notes as { path: string }[])
        .map((n) => n.path)
        .sort();
    await ok(client, "create-note", { path: "fresh/plum", content: "ripe plum jam" });
    const pear = await ok(client, "create-note", { path: "fresh/pear", content: "pear cider" });
    // Words and prefixes (the vault's own index), OR and a date order (FTS5), a phrase beside a word
    // (its note count from FTS5): each right after the writes.
    expect(await paths({ search: "plum" })).toEqual(["fresh/plum"]);
    expect(await paths({ search: "pea*" })).toEqual(["fresh/pear"]);
    expect(await paths({ search: "plum OR cider" })).toEqual(["fresh/pear", "fresh/plum"]);
    expect(await paths({ search: "cider", sort: "updated_desc" })).toEqual(["fresh/pear"]);
    expect(await paths({ search: '"ripe plum" jam' })).toEqual(["fresh/plum"]);
    await ok(client, "update-note", { ref: pear.id, content: "ripe plum tart" });
    expect(await paths({ search: "plum OR nothing" })).toEqual(["fresh/pear", "fresh/plum"]);
    expect(await paths({ search: "cider OR nothing" })).toEqual([]);
    expect(await paths({ search: '"ripe plum" tart' })).toEqual(["fresh/pear"]);
    await ok(client, "delete-note", { ref: pear.id });
    expect(await paths({ search: "plum OR tart", sort: "path_asc" })).toEqual(["fresh/plum"]);
  });

  test("a vault:read token lists only the read tools and cannot create a note", async () => {
    const client = await connect(await token("vault:read"));
    expect(await toolNames(client)).toEqual(READ_TOOLS);
    const res = await callTool(client, "create-note", { path: "ro/nope" });
    expect(res.isError).toBe(true);
    expect((await ok(client, "find-path", { path: "ro/" })).notes).toEqual([]);
  });

  test("a revoked token connects no more, however it is spelled (padded, or split by a space)", async () => {
    const res = await hub.api("POST", "/api/tokens", { scope: "vault:write" });
    const { token: t, jti } = (await res.json()) as { token: string; jti: string };
    const before = await connect(t);
    expect(await toolNames(before)).toEqual(ALL_TOOLS);
    expect((await hub.api("DELETE", `/api/tokens/${jti}`)).status).toBe(200);
    for (const spelling of [t, `${t}==`, `${t.slice(0, -4)} ${t.slice(-4)}`]) {
      const refused = await connect(spelling).then(
        () => null,
        (err: Error) => err,
      );
      expect(refused, spelling.slice(-6)).toBeInstanceOf(Error);
    }
  });

  test("a vault API token works too, with the rights of its verb", async () => {
    const admin = {
      authorization: `Bearer ${await token("vault:admin")}`,
      "content-type": "application/json",
    };
    const created = await fetch(`${hub.origin}/vault/default/api/tokens`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ scope: "read" }),
    });
    expect(created.status).toBe(201);
    const client = await connect(((await created.json()) as { token: string }).token);
    expect(await toolNames(client)).toEqual(READ_TOOLS);
  });

  test("no token is 401 pointing at the RFC 9728 metadata, which names the hub", async () => {
    const initialize = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } },
    };
    const post = (headers: Record<string, string> = {}) =>
      fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...headers,
        },
        body: JSON.stringify(initialize),
      });
    const res = await post();
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate") ?? "";
    // No credential: no error code (RFC 6750 §3.1); the scope to ask for is this vault's.
    expect(challenge).not.toContain("error=");
    expect(challenge).toContain('scope="vault:default:write"');
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(metadataUrl).toBe(`${hub.origin}/.well-known/oauth-protected-resource/vault/default/mcp`);
    const metadata = (await (await fetch(metadataUrl!)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      resource: url.href,
      authorization_servers: [hub.origin],
      scopes_supported: ["vault:default:read", "vault:default:write", "vault:default:admin"],
    });

    const forged = await post({ authorization: "Bearer not.a.jwt" });
    expect(forged.status).toBe(401);
    expect(forged.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(forged.headers.get("www-authenticate")).toContain("resource_metadata=");
    const otherVault = await post({ authorization: `Bearer ${await token("vault:work:write")}` });
    expect(otherVault.status).toBe(403);
  });

  test("a client keeps working across a restart of the vault module (no sessions)", async () => {
    const client = await connect(await token("vault:write"));
    await ok(client, "create-note", { path: "restart/before" });
    const pid = async () =>
      (
        (await (await hub.api("GET", "/api/modules")).json()) as { modules: { short: string; pid: number }[] }
      ).modules.find((m) => m.short === "vault")!.pid;
    const before = await pid();
    const restarted = await hub.op("POST", "/api/modules/vault/restart", {});
    expect(restarted.status).toBe(200);
    expect(await pid()).not.toBe(before);
    await ok(client, "create-note", { path: "restart/after" });
    const paths = (await ok(client, "find-path", { path: "restart/", match: "prefix" })).notes.map(
      (n: { path: string }) => n.path,
    );
    expect(paths).toEqual(["restart/after", "restart/before"]);
  });
});
