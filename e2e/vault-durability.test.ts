import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  cleanUp,
  type HubProcess,
  startHub,
  tempHome,
  waitFor,
} from "../packages/hub/testing/hub-process.ts";

const VAULT_DIR = join(import.meta.dir, "..", "packages", "vault");

describe("vault durability", () => {
  let hub: HubProcess;
  let headers: Record<string, string>;

  beforeAll(async () => {
    hub = await startHub(tempHome());
    expect((await hub.op("POST", "/api/modules/install", { path: VAULT_DIR })).status).toBe(200);
    const { token } = (await (await hub.api("POST", "/api/tokens", { scope: "vault:write" })).json()) as {
      token: string;
    };
    headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  }, 30_000);
  afterAll(async () => {
    await hub?.stop();
    await cleanUp();
  });

  const vaultPid = async () => {
    const { modules } = (await (await hub.api("GET", "/api/modules")).json()) as {
      modules: { short: string; pid: number | null; state: string }[];
    };
    return modules.find((m) => m.short === "vault")!;
  };

  test("every acknowledged note survives repeated kill -9 mid-stream", async () => {
    const acknowledged: string[] = [];
    let stop = false;
    let n = 0;
    const writer = (async () => {
      while (!stop) {
        const path = `durable/n${n++}`;
        try {
          const res = await fetch(`${hub.origin}/vault/default/api/notes`, {
            method: "POST",
            headers,
            body: JSON.stringify({ path, content: `note ${path}` }),
          });
          if (res.status === 201) acknowledged.push(path);
          else await res.body?.cancel();
        } catch {
          // The vault was killed mid-request: this note was never acknowledged.
        }
      }
    })();
    for (let kill = 0; kill < 8; kill++) {
      // The supervisor's crash budget (5 in 120 s) would park the vault as failing; an operator
      // restart between rounds resets it, as it would for a person.
      if (kill > 0 && kill % 3 === 0) await hub.op("POST", "/api/modules/vault/restart", {});
      const before = acknowledged.length;
      await waitFor(() => acknowledged.length >= before + 20, "more acknowledged writes", 20_000);
      const { pid } = await vaultPid();
      process.kill(pid!, "SIGKILL");
      await waitFor(
        async () => {
          const m = await vaultPid();
          return m.state === "active" && m.pid !== pid;
        },
        "the vault to be back",
        20_000,
      );
    }
    stop = true;
    await writer;
    expect(acknowledged.length).toBeGreaterThan(100);
    const present = new Set<string>();
    let cursor: string | null = null;
    do {
      const res = await fetch(
        `${hub.origin}/vault/default/api/notes?path_prefix=durable/&sort=path_asc&limit=500${cursor ? `&cursor=${cursor}` : ""}`,
        { headers },
      );
      const page = (await res.json()) as { notes: { path: string }[]; next_cursor: string | null };
      for (const note of page.notes) present.add(note.path);
      cursor = page.next_cursor;
    } while (cursor);
    const lost = acknowledged.filter((p) => !present.has(p));
    expect(lost).toEqual([]);
  }, 120_000);
});
