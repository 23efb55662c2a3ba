import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConfigSchema, ConfigStore, parseDotEnv } from "../src/config.ts";
import { HttpError } from "../src/errors.ts";

const schema: ConfigSchema = {
  type: "object",
  properties: {
    greeting: { type: "string", default: "hello", maxLength: 10 },
    retries: { type: "integer", default: 3, minimum: 0, maximum: 5 },
    ratio: { type: "number" },
    verbose: { type: "boolean", default: false },
    colour: { type: "string", enum: ["red", "green"] },
    apiKey: { type: "string", writeOnly: true },
  },
};

function refusal(fn: () => unknown): HttpError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HttpError);
    return err as HttpError;
  }
  throw new Error("the update was accepted");
}

describe("ConfigStore", () => {
  let dir = "";
  let store: ConfigStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "config-test-"));
    store = new ConfigStore(join(dir, "notes"), schema);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("defaults are filled in before anything is stored", () => {
    expect(store.values()).toEqual({ greeting: "hello", retries: 3, verbose: false });
    expect(existsSync(store.file)).toBe(false);
  });

  test("an update is stored over the defaults and kept by a new store", () => {
    store.update({ greeting: "hi", ratio: 0.5, colour: "red" });
    const again = new ConfigStore(join(dir, "notes"), schema);
    expect(again.values()).toEqual({ greeting: "hi", retries: 3, verbose: false, ratio: 0.5, colour: "red" });
  });

  test("updates are partial: fields not given are kept", () => {
    store.update({ greeting: "hi" });
    store.update({ retries: 1 });
    expect(store.values()).toMatchObject({ greeting: "hi", retries: 1 });
  });

  test("null clears a value back to its default", () => {
    store.update({ greeting: "hi", colour: "green" });
    store.update({ greeting: null, colour: null });
    expect(store.values()).toEqual({ greeting: "hello", retries: 3, verbose: false });
  });

  test.each([
    ["a string for an integer", { retries: "2" }],
    ["a fraction for an integer", { retries: 1.5 }],
    ["a number for a boolean", { verbose: 1 }],
    ["a boolean for a string", { greeting: true }],
    ["a value outside the enum", { colour: "blue" }],
    ["a number below the minimum", { retries: -1 }],
    ["a number above the maximum", { retries: 6 }],
    ["a string over maxLength", { greeting: "hello there!" }],
  ])("refuses %s with 400 invalid_field", (_, patch) => {
    const err = refusal(() => store.update(patch));
    expect(err.status).toBe(400);
    expect(err.code).toBe("invalid_field");
    expect(err.message).toContain(Object.keys(patch)[0]!);
  });

  test("an unknown field is refused with 400 unknown_field", () => {
    const err = refusal(() => store.update({ greting: "hi" }));
    expect(err.status).toBe(400);
    expect(err.code).toBe("unknown_field");
    expect(err.message).toContain("greting");
  });

  test.each([
    ["toString", "x"],
    ["constructor", null],
    ["__proto__", 1],
  ])("a key inherited from Object.prototype (%s) is an unknown field too", (key, value) => {
    const err = refusal(() => store.update(JSON.parse(`{"${key}": ${JSON.stringify(value)}}`)));
    expect(err.code).toBe("unknown_field");
    expect(existsSync(store.file)).toBe(false);
  });

  test.each([[null], [[]], ["x"]])("a body that is not an object (%p) is refused", (patch) => {
    expect(refusal(() => store.update(patch)).code).toBe("invalid_body");
  });

  test("a rejected update writes nothing, even its valid fields", () => {
    store.update({ greeting: "hi" });
    const before = readFileSync(store.file, "utf8");
    refusal(() => store.update({ colour: "red", retries: 99 }));
    refusal(() => store.update({ colour: "red", nope: 1 }));
    expect(readFileSync(store.file, "utf8")).toBe(before);
    expect(store.values().colour).toBeUndefined();
  });

  test("a required field without a default cannot be left unset", () => {
    const strict = new ConfigStore(join(dir, "strict"), { ...schema, required: ["ratio", "greeting"] });
    expect(refusal(() => strict.update({ colour: "red" })).message).toContain('"ratio" is required');
    strict.update({ ratio: 2 });
    expect(refusal(() => strict.update({ ratio: null })).message).toContain('"ratio" is required');
    expect(strict.values().ratio).toBe(2);
  });

  test("writeOnly secrets are left out of the public view and listed when set", () => {
    expect(store.publicView()).toEqual({
      values: { greeting: "hello", retries: 3, verbose: false },
      secretsSet: [],
    });
    store.update({ apiKey: "s3cret" });
    const view = store.publicView();
    expect(view.values).not.toHaveProperty("apiKey");
    expect(JSON.stringify(view)).not.toContain("s3cret");
    expect(view.secretsSet).toEqual(["apiKey"]);
    expect(store.values().apiKey).toBe("s3cret");
  });

  test("the config file is readable by its owner only", () => {
    store.update({ apiKey: "s3cret" });
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    store.update({ greeting: "hi" });
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
  });
});

describe("parseDotEnv", () => {
  test("reads KEY=value lines, skipping comments and blank lines", () => {
    const text = "# a comment\nA=1\n\n  # indented comment\nB = two words \r\nnot a line\n";
    expect(parseDotEnv(text)).toEqual({ A: "1", B: "two words" });
  });

  test("strips matching surrounding quotes only", () => {
    const text = `A="quoted value"\nB='single'\nC="unbalanced\nD="\nE='mixed"`;
    expect(parseDotEnv(text)).toEqual({
      A: "quoted value",
      B: "single",
      C: '"unbalanced',
      D: '"',
      E: `'mixed"`,
    });
  });

  test("accepts an export prefix", () => {
    expect(parseDotEnv("export TOKEN=abc\n  export   PORT=1940")).toEqual({ TOKEN: "abc", PORT: "1940" });
  });

  test("keeps = signs and # inside values, and lets a later line win", () => {
    expect(parseDotEnv("URL=http://x/?a=b#frag\nURL=second")).toEqual({ URL: "second" });
    expect(parseDotEnv("URL=http://x/?a=b#frag")).toEqual({ URL: "http://x/?a=b#frag" });
  });

  test("an empty value is kept as an empty string", () => {
    expect(parseDotEnv('EMPTY=\nQUOTED=""')).toEqual({ EMPTY: "", QUOTED: "" });
  });
});
