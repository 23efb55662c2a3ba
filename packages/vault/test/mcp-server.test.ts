import { describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { HttpError } from "@parachute/module-kit";
import { mcpHttp, mcpVaultName } from "../src/mcp/http.ts";
import { vaultMcpServer } from "../src/mcp/server.ts";
import { vaultsPerTest } from "../testing/core.ts";
import { ALL_TOOLS, callTool, READ_TOOLS, toolNames } from "../testing/mcp.ts";

const t = vaultsPerTest();

/** A client talking to a fresh server for `scope` over an in-memory pair. */
async function connect(scope: string): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await vaultMcpServer(t.vault, scope, "0.0.0").connect(serverSide);
  const client = new Client({ name: "test", version: "0" });
  await client.connect(clientSide);
  return client;
}

describe("the vault MCP server", () => {
  test("tools/list follows the scope: write sees all eleven, read the six read tools, another vault none", async () => {
    expect(await toolNames(await connect("vault:write"))).toEqual(ALL_TOOLS);
    expect(await toolNames(await connect("vault:default:admin"))).toEqual(ALL_TOOLS);
    expect(await toolNames(await connect("vault:default:read"))).toEqual(READ_TOOLS);
    const other = await connect("vault:work:write");
    expect(other.getServerCapabilities()?.tools).toBeUndefined();
  });

  test("the server advertises no listChanged: its tool list never changes within a connection", async () => {
    expect((await connect("vault:write")).getServerCapabilities()?.tools).toEqual({});
  });

  test("get-links and get-backlinks follow a note's links both ways", async () => {
    const client = await connect("vault:read");
    t.notes.create({ path: "Hub", content: "see [[Spoke]] and [[Nowhere]]" });
    t.notes.create({ path: "Spoke", content: "back to [[Hub]]" });
    const links = (await callTool(client, "get-links", { ref: "Hub" })).structuredContent.links;
    expect(links.map((l: { target: string }) => l.target)).toEqual(["spoke", "nowhere"]);
    expect(links[1].id).toBeNull();
    const back = (await callTool(client, "get-backlinks", { ref: "Hub" })).structuredContent.backlinks;
    expect(back.map((b: { path: string }) => b.path)).toEqual(["Spoke"]);
    expect((await callTool(client, "get-links", { ref: "missing" })).isError).toBe(true);
  });

  test("a read-only caller cannot call a write tool, and nothing is written", async () => {
    const res = await callTool(await connect("vault:read"), "create-note", { path: "nope" });
    expect(res.isError).toBe(true);
    expect(t.notes.row.bind(t.notes, "nope")).toThrow();
  });

  test("input schemas are JSON Schema objects that refuse unknown arguments", async () => {
    const tools = (await (await connect("vault:write")).listTools()).tools;
    const create = tools.find((x) => x.name === "create-note")!;
    expect(create.inputSchema).toMatchObject({ type: "object", required: ["path"] });
    expect(create.inputSchema.additionalProperties).toBe(false);
    expect(create.annotations?.readOnlyHint).toBe(false);
    expect(tools.find((x) => x.name === "query-notes")!.annotations?.readOnlyHint).toBe(true);
    const res = await callTool(await connect("vault:write"), "create-note", { path: "x", colour: "red" });
    expect(res.isError).toBe(true);
    expect(JSON.stringify(res.content)).toContain("colour");
  });

  test("core errors come back as tool errors with their code and details", async () => {
    const client = await connect("vault:write");
    const note = (await callTool(client, "create-note", { path: "a", content: "one one" })).structuredContent;
    const taken = await callTool(client, "create-note", { path: "A.md" });
    expect(taken.isError).toBe(true);
    expect(taken.structuredContent.error).toBe("path_taken");
    expect((taken.content[0] as { text: string }).text).toStartWith("path_taken: ");
    const stale = await callTool(client, "update-note", {
      ref: note.id,
      content: "x",
      if_updated_at: "2000-01-01T00:00:00.000Z",
    });
    expect(stale.structuredContent).toMatchObject({
      error: "conflict",
      current_updated_at: note.updated_at,
    });
    const ambiguous = await callTool(client, "update-note", { ref: "a", edit: { old: "one", new: "two" } });
    expect(ambiguous.structuredContent.error).toBe("edit_ambiguous");
    expect((await callTool(client, "delete-note", { ref: "missing" })).structuredContent.error).toBe(
      "not_found",
    );
    expect((await callTool(client, "query-notes", { search: '"open' })).structuredContent.error).toBe(
      "invalid_search",
    );
    expect((await callTool(client, "create-note", { path: "../up" })).structuredContent.error).toBe(
      "invalid_path",
    );
  });

  test("find-path: contains, prefix and exact; query-notes without content", async () => {
    const client = await connect("vault:read");
    t.notes.create({ path: "Journal/2024-05-01", content: "day" });
    t.notes.create({ path: "journal/2024-05-02" });
    t.notes.create({ path: "projects/journal-ideas" });
    t.notes.create({ path: "100%_done" });
    const paths = async (args: Record<string, unknown>) =>
      ((await callTool(client, "find-path", args)).structuredContent.notes as { path: string }[]).map(
        (n) => n.path,
      );
    expect(await paths({ path: "JOURNAL" })).toEqual([
      "Journal/2024-05-01",
      "journal/2024-05-02",
      "projects/journal-ideas",
    ]);
    expect(await paths({ path: "/journal/", match: "prefix" })).toEqual([
      "Journal/2024-05-01",
      "journal/2024-05-02",
    ]);
    expect(await paths({ path: "%_" })).toEqual(["100%_done"]);
    const limited = (await callTool(client, "find-path", { path: "journal", limit: 1 })).structuredContent;
    expect(limited.more).toBe(true);
    const exact = (await callTool(client, "find-path", { path: "journal/2024-05-01.md", match: "exact" }))
      .structuredContent;
    expect(exact.note).toMatchObject({ path: "Journal/2024-05-01", content: "day" });
    const bare = (await callTool(client, "query-notes", { path_prefix: "journal/", include_content: false }))
      .structuredContent;
    expect(bare.notes).toHaveLength(2);
    expect(bare.notes[0].content).toBeUndefined();
    expect(bare.notes[0].path).toBeString();
  });

  test("vault-info says what the connection may do", async () => {
    t.notes.create({ path: "a", content: "[[b]]", tags: ["x"] });
    const info = (await callTool(await connect("vault:default:read"), "vault-info")).structuredContent;
    expect(info).toMatchObject({ name: "default", notes: 1, tags: 1, links: 1, access: "read" });
    expect((await callTool(await connect("vault:admin"), "vault-info")).structuredContent.access).toBe(
      "admin",
    );
  });
});

describe("the MCP endpoint, in memory", () => {
  const handler = (scope: string | Error) =>
    mcpHttp({
      vaults: t.vaults,
      access: async () => {
        if (scope instanceof Error) throw scope;
        return scope;
      },
      publicOrigin: "https://hub.example",
      version: "0.0.0",
    });
  const httpClient = async (scope: string) => {
    const h = handler(scope);
    const transport = new StreamableHTTPClientTransport(new URL("http://vault.test/vault/default/mcp"), {
      fetch: (url, init) => h(new Request(url, init), "default"),
    });
    const client = new Client({ name: "test", version: "0" });
    await client.connect(transport);
    return client;
  };

  test("only /vault/<name>/mcp is the endpoint", () => {
    const name = (p: string) => mcpVaultName(new Request(`http://x${p}`));
    expect(name("/vault/default/mcp")).toBe("default");
    expect(name("/vault/work-2/mcp")).toBe("work-2");
    for (const p of ["/vault/default/mcp/x", "/vault/default/api/notes", "/vault/Bad/mcp", "/vault/mcp"])
      expect(name(p)).toBeNull();
  });

  test("a client lists and calls tools; no session id is ever issued", async () => {
    const client = await httpClient("vault:write");
    expect(await toolNames(client)).toEqual(ALL_TOOLS);
    const created = await callTool(client, "create-note", { path: "over/http" });
    expect(created.isError).toBeFalsy();
    expect(t.notes.get("over/http").id).toBe(created.structuredContent.id);
    const res = await handler("vault:read")(
      new Request("http://vault.test/vault/default/mcp", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-06-18",
            capabilities: {},
            clientInfo: { name: "t", version: "0" },
          },
        }),
      }),
      "default",
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("mcp-session-id")).toBeNull();
  });

  test("auth failures carry the resource's metadata URL and this vault's scope; GET is 405; a missing vault is 404", async () => {
    const req = (method = "POST", headers: Record<string, string> = {}) =>
      new Request("http://vault.test/vault/default/mcp", { method, headers });
    const metadata = "https://hub.example/.well-known/oauth-protected-resource/vault/default/mcp";
    const denied = handler(new HttpError(401, "invalid_token", "a bearer token is required"));
    // No credential at all: no error code (RFC 6750 §3.1), just where to go and what to ask for.
    const anonymous = await denied(req(), "default").catch((e) => e as HttpError);
    expect(anonymous).toBeInstanceOf(HttpError);
    expect(anonymous.status).toBe(401);
    expect(new Headers(anonymous.headers).get("www-authenticate")).toBe(
      `Bearer resource_metadata="${metadata}", scope="vault:default:write"`,
    );
    const bad = await denied(req("POST", { authorization: "Bearer nope" }), "default").catch(
      (e) => e as HttpError,
    );
    expect(new Headers(bad.headers).get("www-authenticate")).toBe(
      `Bearer error="invalid_token", resource_metadata="${metadata}", scope="vault:default:write"`,
    );
    // The metadata is on the origin the client used, as the hub forwarded it.
    const local = await denied(
      req("POST", { "x-forwarded-proto": "http", "x-forwarded-host": "localhost:4321" }),
      "default",
    ).catch((e) => e as HttpError);
    expect(new Headers(local.headers).get("www-authenticate")).toContain(
      'resource_metadata="http://localhost:4321/.well-known/oauth-protected-resource/vault/default/mcp"',
    );
    const forbidden = handler(new HttpError(403, "insufficient_scope", "no"));
    const err403 = (await forbidden(req(), "default").catch((e) => e)) as HttpError;
    expect(err403.status).toBe(403);
    expect(new Headers(err403.headers).get("www-authenticate")).toContain('scope="vault:default:write"');
    const get = (await handler("vault:read")(req("GET"), "default").catch((e) => e)) as HttpError;
    expect([get.status, new Headers(get.headers).get("allow")]).toEqual([405, "POST"]);
    const missing = (await handler("vault:read")(req(), "nowhere").catch((e) => e)) as HttpError;
    expect([missing.status, missing.code]).toEqual([404, "no_vault"]);
  });
});
