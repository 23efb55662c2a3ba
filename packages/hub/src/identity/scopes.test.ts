import { describe, expect, test } from "bun:test";
import { unknownScope } from "./scopes.ts";

const declared = ["vault:read", "vault:write", "vault:admin", "vault:*:read", "vault:*:write", "alpha:read"];

describe("unknownScope", () => {
  test("scopes the hub or an installed module grants pass, per resource where declared", () => {
    expect(unknownScope("hub:admin", declared)).toBeNull();
    expect(unknownScope("vault:read vault:default:write", declared)).toBeNull();
    expect(unknownScope("alpha:x:read", declared)).toBeNull();
  });

  test("anything else is named, with what the module does offer", () => {
    expect(unknownScope("vault:default", declared)).toContain('"vault:default" is not a scope of vault');
    expect(unknownScope("vault:default", declared)).toContain("vault:read, vault:write, vault:admin");
    expect(unknownScope("vault:default:rw", declared)).toContain("not a scope of vault");
    expect(unknownScope("vualt:read", declared)).toContain("no installed module is called vualt");
    expect(unknownScope("vault write", declared)).toContain("not a list of scopes");
  });
});
