import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migratePlaintext, SecretError, SecretStore } from "./secrets.ts";

let root = "";
let dir = "";
let store: SecretStore;
const keyFile = () => join(dir, "master.key");
const secretsFile = () => join(dir, "secrets.json");
const sealed = () =>
  JSON.parse(readFileSync(secretsFile(), "utf8")) as Record<string, Record<string, string>>;
const mode = (path: string) => statSync(path).mode & 0o777;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SecretError) return err.code;
    throw err;
  }
  throw new Error("expected a SecretError");
}

function flipByte(name: string, field: "data" | "tag"): void {
  const all = sealed();
  const bytes = Buffer.from(all[name]![field]!, "base64");
  bytes[0]! ^= 0x01;
  all[name]![field] = bytes.toString("base64");
  writeFileSync(secretsFile(), JSON.stringify(all));
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "runner-secrets-"));
  dir = join(root, "secrets");
  store = new SecretStore(dir);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("SecretStore", () => {
  test("a stored secret reads back; an unknown name is null", () => {
    expect(store.has("vault_token")).toBe(false);
    expect(store.get("vault_token")).toBeNull();
    store.set("vault_token", "pvt_sëcret");
    expect(store.has("vault_token")).toBe(true);
    expect(store.get("vault_token")).toBe("pvt_sëcret");
    expect(store.get("other")).toBeNull();
    expect(readFileSync(secretsFile(), "utf8")).not.toContain("pvt_");
  });

  test("each write uses a fresh IV, so the same value seals differently", () => {
    store.set("a", "same");
    const first = sealed().a!;
    store.set("a", "same");
    const second = sealed().a!;
    expect(second.iv).not.toBe(first.iv);
    expect(second.data).not.toBe(first.data);
    expect(store.get("a")).toBe("same");
  });

  test("files are 0600 and the folder 0700 even under a permissive umask or an open folder", () => {
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const old = process.umask(0);
    try {
      store.set("a", "x");
      store.set("b", "y");
    } finally {
      process.umask(old);
    }
    expect(mode(keyFile())).toBe(0o600);
    expect(mode(secretsFile())).toBe(0o600);
    expect(mode(dir)).toBe(0o700);
    expect(readFileSync(keyFile()).length).toBe(32);
  });

  test("the master key is never replaced once it exists", () => {
    store.set("a", "x");
    const key = readFileSync(keyFile());
    store.set("b", "y");
    new SecretStore(dir).set("c", "z");
    expect(readFileSync(keyFile()).equals(key)).toBe(true);
  });

  test("another master key is wrong_key", () => {
    store.set("vault_token", "t");
    writeFileSync(keyFile(), randomBytes(32));
    expect(codeOf(() => store.get("vault_token"))).toBe("wrong_key");
  });

  test("a flipped byte in the data or in the tag is tampered", () => {
    store.set("a", "token-a");
    store.set("b", "token-b");
    flipByte("a", "data");
    flipByte("b", "tag");
    expect(codeOf(() => store.get("a"))).toBe("tampered");
    expect(codeOf(() => store.get("b"))).toBe("tampered");
  });

  test("a value moved under another name does not open", () => {
    store.set("a", "token-a");
    const all = sealed();
    all.b = all.a!;
    writeFileSync(secretsFile(), JSON.stringify(all));
    expect(codeOf(() => store.get("b"))).toBe("tampered");
  });

  test("secrets without their master key are missing_key", () => {
    store.set("vault_token", "t");
    unlinkSync(keyFile());
    expect(codeOf(() => store.get("vault_token"))).toBe("missing_key");
    expect(store.get("other")).toBeNull();
  });

  test("a malformed secrets.json is unreadable and is left as it was", () => {
    store.set("a", "x");
    for (const text of ["{not json", "[]", '{"a":{"v":1,"kid":"k","iv":"!!","tag":"","data":""}}']) {
      writeFileSync(secretsFile(), text);
      expect(codeOf(() => store.get("a"))).toBe("unreadable");
      expect(codeOf(() => store.set("b", "y"))).toBe("unreadable");
      expect(codeOf(() => store.clear("a"))).toBe("unreadable");
      expect(readFileSync(secretsFile(), "utf8")).toBe(text);
    }
  });

  test("clear forgets one secret and keeps the others and the key", () => {
    store.set("a", "x");
    store.set("b", "y");
    store.clear("a");
    store.clear("never-set");
    expect(store.has("a")).toBe(false);
    expect(store.get("a")).toBeNull();
    expect(store.get("b")).toBe("y");
    expect(existsSync(keyFile())).toBe(true);
  });
});

describe("migratePlaintext", () => {
  test("moves a plaintext token out of the config into the store", () => {
    const config = { vault_token: "pvt_plain", poll_interval: "1m" };
    const out = migratePlaintext(config, "vault_token", store);
    expect(out.migrated).toBe(true);
    expect(out.config).toEqual({ poll_interval: "1m" });
    expect(store.get("vault_token")).toBe("pvt_plain");
  });

  test("leaves a config without a plaintext token as it is", () => {
    for (const config of [{}, { vault_token: "" }, { vault_token: 42 }]) {
      const out = migratePlaintext(config, "vault_token", store);
      expect(out).toEqual({ config, migrated: false });
    }
    expect(store.has("vault_token")).toBe(false);
  });
});
