import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanUp, type HubProcess, startHub, tempHome } from "../packages/hub/testing/hub-process.ts";

const VAULT_DIR = join(import.meta.dir, "..", "packages", "vault");

describe("the vault's REST API, through a real hub", () => {
  let hub: HubProcess;
  let write: Record<string, string>;
  let read: Record<string, string>;
  const hubToken = async (scope: string) =>
    ((await (await hub.api("POST", "/api/tokens", { scope })).json()) as { token: string }).token;

  beforeAll(async () => {
    hub = await startHub(tempHome());
    const res = await hub.op("POST", "/api/modules/install", { path: VAULT_DIR });
    expect(res.status).toBe(200);
    write = { authorization: `Bearer ${await hubToken("vault:write")}`, "content-type": "application/json" };
    read = { authorization: `Bearer ${await hubToken("vault:default:read")}` };
  }, 30_000);
  afterAll(async () => {
    await hub?.stop();
    await cleanUp();
  });

  const api = (method: string, path: string, body?: unknown, headers = write) =>
    fetch(`${hub.origin}/vault/default/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  // biome-ignore lint/suspicious/noExplicitAny: answers are JSON the assertions walk freely
  const json = async (res: Response) => (await res.json()) as Record<string, any>;
  const upload = (ref: string, name: string, body: BodyInit, type = "application/octet-stream") =>
    fetch(`${hub.origin}/vault/default/api/notes/${ref}/attachments?name=${encodeURIComponent(name)}`, {
      method: "POST",
      headers: { authorization: write.authorization!, "content-type": type },
      body,
    });

  test("a note and its 300 kB attachment round-trip through the proxy, bytes and headers intact", async () => {
    const created = await api("POST", "/notes", { path: "Inbox/First Note", content: "hello", tags: ["a"] });
    expect(created.status).toBe(201);
    const note = await json(created);
    expect((await json(await api("GET", "/notes/inbox/first%20note.md"))).id).toBe(note.id);
    const bytes = new Uint8Array(300_000).map((_, i) => i % 251);
    const up = await upload("inbox/first note", "voice memo.webm", bytes, "audio/webm");
    expect(up.status).toBe(201);
    const att = await json(up);
    expect(att).toMatchObject({ name: "voice memo.webm", size: 300_000, note_id: note.id });
    const down = await api("GET", `/attachments/${att.id}`);
    expect(down.headers.get("content-type")).toBe("audio/webm");
    expect(down.headers.get("x-content-type-options")).toBe("nosniff");
    expect(new Uint8Array(await down.arrayBuffer())).toEqual(bytes);
  });

  test("an oversized upload through the proxy is 413 and nothing is kept", async () => {
    await api("POST", "/notes", { path: "files/bad" });
    const big = await upload("files/bad", "huge.png", new Uint8Array(51 * 1024 * 1024), "image/png");
    expect(big.status).toBe(413);
    expect((await json(await api("GET", "/notes/files/bad/attachments"))).attachments).toEqual([]);
  }, 30_000);

  test("the URL the hub gives for the vault answers with where each vault's API and MCP endpoint are", async () => {
    const status = (await (await hub.api("GET", "/api/status")).json()) as {
      modules: { short: string; url: string }[];
    };
    const url = status.modules.find((m) => m.short === "vault")!.url;
    expect(url).toBe(`${hub.origin}/vault`);
    const res = await fetch(url, { headers: read });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      vaults: [
        { name: "default", api: `${hub.origin}/vault/default/api/`, mcp: `${hub.origin}/vault/default/mcp` },
      ],
    });
    expect((await fetch(`${url}/`, { headers: read })).status).toBe(200);
    expect((await fetch(url)).status).toBe(401);
  });

  describe("access with hub tokens", () => {
    test("no token is 401; a read-only token reads but cannot write", async () => {
      expect((await fetch(`${hub.origin}/vault/default/api/notes`)).status).toBe(401);
      expect((await api("GET", "/notes", undefined, read)).status).toBe(200);
      expect(
        (await api("POST", "/notes", { path: "ro" }, { ...read, "content-type": "application/json" })).status,
      ).toBe(403);
    });

    test("a revoked token is refused at once however it is spelled (padded, or split by a space)", async () => {
      const res = await hub.api("POST", "/api/tokens", { scope: "vault:write" });
      const { token, jti } = (await res.json()) as { token: string; jti: string };
      const spellings = [token, `${token}==`, `${token.slice(0, -4)} ${token.slice(-4)}`];
      for (const t of spellings.slice(0, 1))
        expect((await api("GET", "/notes", undefined, { authorization: `Bearer ${t}` })).status).toBe(200);
      expect((await hub.api("DELETE", `/api/tokens/${jti}`)).status).toBe(200);
      for (const t of spellings) {
        const auth = { authorization: `Bearer ${t}`, "content-type": "application/json" };
        expect((await api("GET", "/notes", undefined, auth)).status).toBe(401);
        expect((await api("POST", "/notes", { path: `revoked/${t.length}` }, auth)).status).toBe(401);
      }
    });

    test("a token for another vault is refused", async () => {
      const other = await hubToken("vault:work:write");
      expect((await api("GET", "/notes", undefined, { authorization: `Bearer ${other}` })).status).toBe(403);
    });

    test("a vault:admin hub token manages vault API tokens, which then work through the proxy", async () => {
      const asAdmin = {
        authorization: `Bearer ${await hubToken("vault:admin")}`,
        "content-type": "application/json",
      };
      expect((await api("POST", "/tokens", { scope: "read" })).status).toBe(403);
      const created = await api("POST", "/tokens", { scope: "read", label: "script", ttl: "1h" }, asAdmin);
      expect(created.status).toBe(201);
      const { token, id } = await json(created);
      const vt = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      expect((await api("GET", "/notes?limit=1", undefined, vt)).status).toBe(200);
      expect((await api("POST", "/notes", { path: "by-vault-token" }, vt)).status).toBe(403);
      expect((await api("DELETE", `/tokens/${id}`, undefined, asAdmin)).status).toBe(200);
      expect((await api("GET", "/notes?limit=1", undefined, vt)).status).toBe(401);
    });

    test("the logged-in admin's browser session reaches the vault through the proxy", async () => {
      const res = await fetch(`${hub.origin}/vault/default/api/notes?limit=1`, {
        headers: { cookie: hub.session!.cookie },
      });
      expect(res.status).toBe(200);
    });
  });
});
