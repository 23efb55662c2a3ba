import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManifestError } from "../src/errors.ts";
import { MANIFEST_PATH, readManifest, validateManifest } from "../src/manifest.ts";

const good = {
  name: "notes",
  manifestName: "@parachute/notes",
  displayName: "Notes",
  port: 1940,
  paths: ["/notes"],
  health: "/notes/health",
  startCmd: ["bun", "server.ts"],
  websocket: true,
  scopes: ["notes:read", "notes:write"],
  dependsOn: ["vault"],
  configSchema: { type: "object", properties: {} },
};

function refusal(raw: unknown): ManifestError {
  try {
    validateManifest(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return err as ManifestError;
  }
  throw new Error("the manifest was accepted");
}

const without = (field: keyof typeof good) => {
  const { [field]: _, ...rest } = good;
  return rest;
};

describe("validateManifest", () => {
  test("a valid manifest passes and comes back as given", () => {
    expect(validateManifest(good)).toEqual(good);
  });

  test("the optional fields may be left out", () => {
    const minimal: Record<string, unknown> = { ...good };
    for (const f of ["displayName", "websocket", "scopes", "dependsOn", "configSchema"]) delete minimal[f];
    expect<unknown>(validateManifest(minimal)).toEqual(minimal);
  });

  test.each([
    ["a missing name", without("name"), "name"],
    ["a name with capitals", { ...good, name: "Notes" }, "name"],
    ["a name starting with a digit", { ...good, name: "1notes" }, "name"],
    ["port 0", { ...good, port: 0 }, "port"],
    ["port 70000", { ...good, port: 70000 }, "port"],
    ['port "1940"', { ...good, port: "1940" }, "port"],
    ["empty paths", { ...good, paths: [] }, "paths"],
    ["a path not starting with /", { ...good, paths: ["notes"] }, "paths[0]"],
    ["a path with a trailing slash", { ...good, paths: ["/notes/"] }, "paths[0]"],
    ["the reserved /api", { ...good, paths: ["/api"] }, "paths[0]"],
    ["a path under /admin", { ...good, paths: ["/notes", "/admin/notes"] }, "paths[1]"],
    ["the reserved /oauth", { ...good, paths: ["/oauth"] }, "paths[0]"],
    ["the reserved /.well-known", { ...good, paths: ["/.well-known"] }, "paths[0]"],
    ["the reserved /health", { ...good, paths: ["/health"] }, "paths[0]"],
    ["health without a leading /", { ...good, health: "notes/health" }, "health"],
    ["an empty startCmd", { ...good, startCmd: [] }, "startCmd"],
    ["a non-boolean websocket", { ...good, websocket: "yes" }, "websocket"],
    ["a scope without a verb", { ...good, scopes: ["notes:read", "notes"] }, "scopes[1]"],
    ["dependsOn naming the module itself", { ...good, dependsOn: ["notes"] }, "dependsOn"],
    [
      "a configSchema that is not object-typed",
      { ...good, configSchema: { type: "string" } },
      "configSchema.type",
    ],
    ["a configSchema that is an array", { ...good, configSchema: [] }, "configSchema"],
    ["the unknown field prot", { ...good, prot: 1940 }, "prot"],
  ])("refuses %s, naming the field", (_, raw, field) => {
    expect(refusal(raw).field).toBe(field);
  });

  test("a reserved prefix is refused with a reason naming it", () => {
    expect(refusal({ ...good, paths: ["/oauth/x"] }).message).toContain("/oauth is reserved");
  });

  test("a path that merely starts with a reserved word is allowed", () => {
    expect(validateManifest({ ...good, paths: ["/apiary"] }).paths).toEqual(["/apiary"]);
  });

  test.each([
    ["null", null],
    ["an array", []],
    ["a string", "notes"],
    ["a number", 7],
  ])("refuses a root that is %s", (_, raw) => {
    expect(refusal(raw).field).toBe("(root)");
  });
});

describe("readManifest", () => {
  let dir = "";
  const makeDir = () => {
    dir = mkdtempSync(join(tmpdir(), "manifest-test-"));
    return dir;
  };
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("reads and validates .parachute/module.json", async () => {
    const d = makeDir();
    mkdirSync(join(d, ".parachute"));
    writeFileSync(join(d, MANIFEST_PATH), JSON.stringify(good));
    expect(await readManifest(d)).toEqual(good);
  });

  test("a folder without the file is refused, naming the folder", async () => {
    const d = makeDir();
    const err = await readManifest(d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManifestError);
    expect((err as ManifestError).field).toBe("(file)");
    expect((err as ManifestError).message).toContain(d);
  });

  test("invalid JSON is refused as such", async () => {
    const d = makeDir();
    mkdirSync(join(d, ".parachute"));
    writeFileSync(join(d, MANIFEST_PATH), "{ name: notes");
    const err = await readManifest(d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManifestError);
    expect((err as ManifestError).field).toBe("(file)");
    expect((err as ManifestError).message).toContain("not valid JSON");
  });

  test("a well-formed file with a bad field is refused naming the field", async () => {
    const d = makeDir();
    mkdirSync(join(d, ".parachute"));
    writeFileSync(join(d, MANIFEST_PATH), JSON.stringify({ ...good, port: 0 }));
    const err = await readManifest(d).catch((e: unknown) => e);
    expect((err as ManifestError).field).toBe("port");
  });
});
