import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type HubProcess, runCli, startHub, tempHome } from "../testing/hub-process.ts";

describe("parachute token / auth, on a running hub", () => {
  let hub: HubProcess;
  beforeAll(async () => {
    hub = await startHub(tempHome());
  }, 20_000);
  afterAll(async () => {
    await hub?.stop();
  });

  const modules = (token?: string) =>
    fetch(`${hub.origin}/api/modules`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  test("token create --scope hub:admin prints a token GET /api/modules accepts; without one it is 401", async () => {
    const created = await runCli(hub.home, ["token", "create", "--scope", "hub:admin", "--label", "ci"]);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token.split(".")).toHaveLength(3);
    expect((await modules(token)).status).toBe(200);
    expect((await modules()).status).toBe(401);

    const list = await runCli(hub.home, ["token", "list", "--json"]);
    const rows = JSON.parse(list.stdout) as { jti: string; label: string; scope: string }[];
    const row = rows.find((r) => r.label === "ci")!;
    expect(row.scope).toBe("hub:admin");
    expect(list.stdout).not.toContain(token);

    expect((await runCli(hub.home, ["token", "revoke", row.jti])).code).toBe(0);
    expect((await modules(token)).status).toBe(401);
    expect((await runCli(hub.home, ["token", "revoke", "00000000-0000-4000-8000-000000000000"])).code).toBe(
      5,
    );
  }, 20_000);

  test("a module token carries its audience and scope; bad scopes and lifetimes are refused", async () => {
    const created = await runCli(hub.home, ["token", "create", "--scope", "vault:write", "--ttl", "1h"]);
    expect(created.code).toBe(0);
    const claims = JSON.parse(Buffer.from(created.stdout.trim().split(".")[1]!, "base64url").toString());
    expect(claims.aud).toBe("vault");
    expect(claims.scope).toBe("vault:write");
    expect(claims.exp - claims.iat).toBe(3600);
    expect((await modules(created.stdout.trim())).status).toBe(401);
    for (const args of [
      ["--scope", "; rm -rf /"],
      ["--scope", "vault"],
      ["--scope", "vault:read", "--ttl", "10y"],
    ]) {
      expect((await runCli(hub.home, ["token", "create", ...args])).code).toBe(6);
    }
    expect((await runCli(hub.home, ["token", "create"])).code).toBe(2);
  }, 20_000);

  test("auth set-password reads stdin, enforces the length, and the new password logs in", async () => {
    const run = async (input: string) => {
      const proc = Bun.spawn(
        [process.execPath, `${import.meta.dir}/../src/cli/bin.ts`, "auth", "set-password"],
        {
          env: { PATH: process.env.PATH ?? "", PARACHUTE_HOME: hub.home },
          stdin: new Blob([input]),
          stdout: "pipe",
          stderr: "pipe",
        },
      );
      return { code: await proc.exited, err: await new Response(proc.stderr).text() };
    };
    const short = await run("too-short\n");
    expect(short.code).toBe(6);
    expect(short.err).toContain("at least 12 characters");
    expect((await run("a brand new long password\n")).code).toBe(0);
    const login = await fetch(`${hub.origin}/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "a brand new long password" }),
    });
    expect(login.status).toBe(200);
    expect(
      (await fetch(`${hub.origin}/api/session`, { headers: { cookie: hub.session!.cookie } })).status,
    ).toBe(401);
  }, 20_000);
});
