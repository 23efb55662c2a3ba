import { describe, expect, test } from "bun:test";
import { scopeAllows, validScopeList } from "../src/scopes.ts";

describe("scopeAllows", () => {
  test("the ladder: admin ⊇ write ⊇ read", () => {
    const ladder = ["read", "write", "admin"];
    for (const [i, have] of ladder.entries()) {
      for (const [j, need] of ladder.entries()) {
        expect([have, need, scopeAllows(`vault:${have}`, `vault:${need}`)]).toEqual([have, need, i >= j]);
      }
    }
  });

  test("a scope without a resource covers every resource", () => {
    expect(scopeAllows("vault:read", "vault:default:read")).toBe(true);
    expect(scopeAllows("vault:admin", "vault:default:write")).toBe(true);
    expect(scopeAllows("vault:read", "vault:default:write")).toBe(false);
  });

  test("a resource scope covers only that resource, and never the whole module", () => {
    expect(scopeAllows("vault:default:read", "vault:default:read")).toBe(true);
    expect(scopeAllows("vault:default:admin", "vault:default:write")).toBe(true);
    expect(scopeAllows("vault:default:read", "vault:default:write")).toBe(false);
    expect(scopeAllows("vault:default:read", "vault:read")).toBe(false);
    expect(scopeAllows("vault:default:admin", "vault:read")).toBe(false);
    expect(scopeAllows("vault:default:read", "vault:other:read")).toBe(false);
  });

  test("a different module never", () => {
    expect(scopeAllows("notes:admin", "vault:read")).toBe(false);
    expect(scopeAllows("hub:admin", "vault:read")).toBe(false);
    expect(scopeAllows("vaultx:admin", "vault:read")).toBe(false);
    expect(scopeAllows("vault:admin", "notes:default:read")).toBe(false);
  });

  test("any one of several granted scopes is enough; whitespace separates them", () => {
    expect(scopeAllows("notes:read vault:write", "vault:read")).toBe(true);
    expect(scopeAllows("  notes:read\tvault:write\n", "vault:read")).toBe(true);
    expect(scopeAllows("notes:read notes:write", "vault:read")).toBe(false);
    expect(scopeAllows("", "vault:read")).toBe(false);
  });

  test("unknown verbs match exactly and are outside the ladder", () => {
    expect(scopeAllows("vault:sync", "vault:sync")).toBe(true);
    expect(scopeAllows("vault:admin", "vault:sync")).toBe(false);
    expect(scopeAllows("vault:sync", "vault:read")).toBe(false);
    expect(scopeAllows("vault:sync", "vault:share")).toBe(false);
    expect(scopeAllows("vault:default:sync", "vault:default:sync")).toBe(true);
    expect(scopeAllows("vault:sync", "vault:default:sync")).toBe(true);
  });

  test("verbs that are names on Object.prototype are unknown verbs too (exact match only)", () => {
    // RANK is a plain object: RANK["constructor"] and RANK["toString"] are functions, not undefined.
    expect(scopeAllows("vault:constructor", "vault:constructor")).toBe(true);
    expect(scopeAllows("vault:constructor", "vault:read")).toBe(false);
    expect(scopeAllows("vault:admin", "vault:constructor")).toBe(false);
    expect(scopeAllows("vault:toString", "vault:constructor")).toBe(false);
    expect(scopeAllows("vault:constructor", "vault:__proto__")).toBe(false);
    expect(scopeAllows("vault:valueOf", "vault:hasOwnProperty")).toBe(false);
  });

  test("verbs are case-sensitive", () => {
    expect(scopeAllows("vault:ADMIN", "vault:read")).toBe(false);
    expect(scopeAllows("vault:admin", "vault:READ")).toBe(false);
  });

  test("malformed scopes allow nothing and are allowed by nothing", () => {
    for (const bad of ["vault", "vault:", ":read", "vault::read", "a:b:c:read", "vault:default:", ":"]) {
      expect([bad, scopeAllows(bad, "vault:read")]).toEqual([bad, false]);
      expect([bad, scopeAllows("vault:admin", bad)]).toEqual([bad, false]);
      expect([bad, scopeAllows(bad, bad)]).toEqual([bad, false]);
    }
    // A malformed item beside a good one does not spoil the good one.
    expect(scopeAllows("vault vault:read", "vault:read")).toBe(true);
  });
});

describe("validScopeList", () => {
  test("accepts well-formed lists", () => {
    for (const ok of [
      "hub:admin",
      "vault:read",
      "vault:read vault:default:write",
      "my-module:res_1.x-y:admin",
      "vault:2024:read",
    ]) {
      expect([ok, validScopeList(ok)]).toEqual([ok, true]);
    }
  });

  test("accepts exactly 50 items and refuses 51", () => {
    const items = Array.from({ length: 51 }, (_, i) => `vault:r${i}:read`);
    expect(validScopeList(items.slice(0, 50).join(" "))).toBe(true);
    expect(validScopeList(items.join(" "))).toBe(false);
    expect(validScopeList(Array(200).fill("vault:read").join(" "))).toBe(false);
  });

  test("refuses malformed lists", () => {
    for (const bad of [
      "",
      " ",
      "vault",
      "vault:",
      ":read",
      "vault::read",
      "a:b:c:read",
      "; rm -rf /",
      "vault:read; rm -rf /",
      "Vault:read",
      "vault:READ",
      "vault:Default:read",
      "VAULT:READ",
      "vault:read  vault:write",
      " vault:read",
      "vault:read ",
      "vault:read\tvault:write",
      "vault:read\nvault:write",
      "vault:read,vault:write",
      "1vault:read",
      "-vault:read",
      "vault:read1",
      "vault:re ad",
      "vault:défaut:read",
      'vault:read" evil="1',
    ]) {
      expect([bad, validScopeList(bad)]).toEqual([bad, false]);
    }
  });
});
