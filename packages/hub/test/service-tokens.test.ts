import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { makeFixture } from "../testing/fixtures.ts";
import { cleanUp, type HubProcess, startHub, tempHome, waitFor } from "../testing/hub-process.ts";

afterAll(() => cleanUp());

interface Called {
  status: number;
  body: string;
  token: boolean;
}

/** A module calling another through the hub with the service token its manifest's `needs` gave it. */
describe("module-to-module credentials", () => {
  test("a module gets a token for what it needs, listed, revocable, renewed at its next start, revoked at uninstall", async () => {
    const hub: HubProcess = await startHub(tempHome());
    try {
      const pkgs = tempHome();
      const install = async (o: Parameters<typeof makeFixture>[1]) =>
        (await hub.op("POST", "/api/modules/install", { path: makeFixture(pkgs, o) })).status;
      expect(await install({ name: "callee", public: false })).toBe(200);
      expect(await install({ name: "caller", needs: ["callee:read"] })).toBe(200);

      const call = async () =>
        (await (await fetch(`${hub.origin}/caller/call?path=/callee/whoami`)).json()) as Called;
      const first = await waitFor(async () => {
        const c = await call();
        return c.status === 200 ? c : null;
      }, "the caller to reach the callee with its service token");
      expect(JSON.parse(first.body)).toMatchObject({
        sub: "module:caller",
        scope: "callee:read",
        aud: ["callee"],
      });

      const file = join(hub.home, "caller", ".service-token");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const { tokens } = (await (await hub.api("GET", "/api/tokens")).json()) as {
        tokens: { jti: string; kind: string; label: string | null; revokedAt: number | null }[];
      };
      const service = tokens.filter((t) => t.kind === "service");
      expect(service.map((t) => t.label)).toEqual(["module caller"]);

      // Revoked by the operator: refused at once, and not silently renewed.
      expect((await hub.api("DELETE", `/api/tokens/${service[0]!.jti}`)).status).toBe(200);
      expect((await call()).status).toBe(401);
      // A restart of the module gives it a new one.
      expect((await hub.op("POST", "/api/modules/caller/restart", {})).status).toBe(200);
      await waitFor(async () => (await call()).status === 200, "a fresh token after the restart");

      expect((await hub.op("POST", "/api/modules/caller/uninstall", {})).status).toBe(200);
      expect(existsSync(file)).toBe(false);
      const after = (await (await hub.api("GET", "/api/tokens")).json()) as {
        tokens: { kind: string; revokedAt: number | null }[];
      };
      const services = after.tokens.filter((t) => t.kind === "service");
      expect(services).toHaveLength(2);
      expect(services.every((t) => t.revokedAt !== null)).toBe(true);
    } finally {
      await hub.stop();
    }
  }, 30_000);

  test("a manifest cannot ask for the hub's own scopes", async () => {
    const hub = await startHub(tempHome());
    try {
      const res = await hub.op("POST", "/api/modules/install", {
        path: makeFixture(tempHome(), { name: "greedy", needs: ["hub:admin"] }),
      });
      expect(res.status).toBe(422);
      expect(((await res.json()) as { message: string }).message).toContain("needs[0]");
    } finally {
      await hub.stop();
    }
  }, 30_000);
});
