import type { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serviceToken } from "@parachute/module-kit";
import { openHubDb } from "../store/db.ts";
import { TokenIssuer } from "./issuer.ts";
import { ServiceTokens, serviceTokenFile } from "./service-tokens.ts";

let dir = "";
let db: Database;
let now = 0;
let issuer: TokenIssuer;
let tokens: ServiceTokens;
const held = () =>
  JSON.parse(readFileSync(serviceTokenFile(dir, "notes"), "utf8")) as { jti: string; exp: number };
const env = () => ({ PARACHUTE_SERVICE_TOKEN_FILE: serviceTokenFile(dir, "notes") });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "service-tokens-"));
  db = openHubDb(join(dir, "hub.db"));
  now = Date.UTC(2030, 0, 1);
  issuer = new TokenIssuer(
    db,
    () => "https://hub.example.test",
    () => now,
  );
  await issuer.ensureKey();
  tokens = new ServiceTokens(issuer, dir, () => now);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("ServiceTokens", () => {
  test("keeps a token while it is young, renews it when a third of its life is left", async () => {
    await tokens.ensure("notes", ["vault:write", "scribe:transcribe"], true);
    const first = held();
    expect(serviceToken(env(), now)).not.toBeNull();
    now += 30 * 60_000;
    await tokens.ensure("notes", ["vault:write", "scribe:transcribe"], false);
    expect(held().jti).toBe(first.jti);
    now += 15 * 60_000;
    await tokens.ensure("notes", ["vault:write", "scribe:transcribe"], false);
    expect(held().jti).not.toBe(first.jti);
    // The module reading the file sees no token once it has expired.
    expect(serviceToken(env(), (held().exp + 1) * 1000)).toBeNull();
  });

  test("a changed need is a new token; a revoked one stays revoked until the module starts again", async () => {
    await tokens.ensure("notes", ["vault:read"], true);
    const first = held();
    await tokens.ensure("notes", ["vault:write"], false);
    const second = held();
    expect(second.jti).not.toBe(first.jti);
    issuer.revoke(second.jti);
    await tokens.ensure("notes", ["vault:write"], false);
    expect(held().jti).toBe(second.jti);
    await tokens.ensure("notes", ["vault:write"], true);
    expect(held().jti).not.toBe(second.jti);
  });

  test("no needs, no file; uninstalled, every token revoked", async () => {
    await tokens.ensure("notes", ["vault:read"], true);
    const jti = held().jti;
    tokens.revokeAll("notes");
    expect(issuer.isRevoked(jti)).toBe(true);
    expect(existsSync(serviceTokenFile(dir, "notes"))).toBe(false);
    await tokens.ensure("plain", [], true);
    expect(existsSync(serviceTokenFile(dir, "plain"))).toBe(false);
  });
});
