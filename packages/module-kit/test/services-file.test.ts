import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keepBackup, writeFileAtomic } from "../src/atomic-file.ts";
import {
  readServices,
  type ServiceRow,
  type ServicesDoc,
  ServicesFileError,
  upsertService,
  writeServices,
} from "../src/services-file.ts";

const row = (name: string, port: number, extra: Partial<ServiceRow> = {}): ServiceRow => ({
  name,
  manifestName: `@parachute/${name}`,
  port,
  paths: [`/${name}`],
  health: `/${name}/health`,
  version: "1.0.0",
  installDir: `/opt/parachute/${name}`,
  ...extra,
});

function thrown(fn: () => unknown): ServicesFileError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ServicesFileError);
    return err as ServicesFileError;
  }
  throw new Error("nothing was thrown");
}

describe("services.json", () => {
  let dir = "";
  let file = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "services-file-test-"));
    file = join(dir, "services.json");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("a missing file is an empty registry", () => {
    expect(readServices(file)).toEqual({ services: [] });
  });

  test("what is written reads back the same", () => {
    const doc: ServicesDoc = { services: [row("notes", 1940, { websocket: true }), row("vault", 1941)] };
    writeServices(file, doc);
    expect(readServices(file)).toEqual(doc);
  });

  test("a write keeps the previous good copy as services.json.bak", () => {
    const first = { services: [row("notes", 1940)] };
    writeServices(file, first);
    expect(existsSync(`${file}.bak`)).toBe(false);
    writeServices(file, { services: [row("notes", 1940), row("vault", 1941)] });
    expect(JSON.parse(readFileSync(`${file}.bak`, "utf8"))).toEqual(first);
    expect(readServices(file).services.map((r) => r.name)).toEqual(["notes", "vault"]);
  });

  test("corrupt JSON is refused, naming the file and the backup", () => {
    writeFileSync(file, "{ services: [");
    const err = thrown(() => readServices(file));
    expect(err.path).toBe(file);
    expect(err.message).toContain(file);
    expect(err.fix).toContain("services.json.bak");
  });

  test("a corrupt file is never overwritten", () => {
    writeFileSync(file, "{ services: [");
    const err = thrown(() => writeServices(file, { services: [row("notes", 1940)] }));
    expect(err.path).toBe(file);
    expect(readFileSync(file, "utf8")).toBe("{ services: [");
    expect(existsSync(`${file}.bak`)).toBe(false);
  });

  test("a document without a services array is refused", () => {
    writeFileSync(file, JSON.stringify({ modules: [] }));
    expect(thrown(() => readServices(file)).message).toContain('"services" array');
  });

  test("a row with a bad field is refused naming its index and field", () => {
    writeFileSync(
      file,
      JSON.stringify({ services: [row("notes", 1940), { ...row("vault", 1941), port: 0 }] }),
    );
    expect(thrown(() => readServices(file)).message).toContain('services[1] field "port"');
  });

  test("two modules on one port are refused, naming both", () => {
    writeFileSync(file, JSON.stringify({ services: [row("notes", 1940), row("vault", 1940)] }));
    const message = thrown(() => readServices(file)).message;
    expect(message).toContain('"notes"');
    expect(message).toContain('"vault"');
    expect(message).toContain("1940");
  });

  test("writing two modules on one port is refused and leaves the file alone", () => {
    writeServices(file, { services: [row("notes", 1940)] });
    const before = readFileSync(file, "utf8");
    thrown(() => writeServices(file, { services: [row("notes", 1940), row("vault", 1940)] }));
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  test("a manifestName listed twice is refused", () => {
    const twice = {
      services: [row("notes", 1940), row("notes2", 1941, { manifestName: "@parachute/notes" })],
    };
    writeFileSync(file, JSON.stringify(twice));
    expect(thrown(() => readServices(file)).message).toContain('"notes2" (@parachute/notes) appears twice');
  });

  test("a short name listed twice is refused", () => {
    const twice = { services: [row("notes", 1940), row("notes", 1941, { manifestName: "other-notes" })] };
    writeFileSync(file, JSON.stringify(twice));
    expect(thrown(() => readServices(file)).message).toContain('"notes" (other-notes) appears twice');
  });

  test("upsertService appends a new row", () => {
    writeServices(file, { services: [row("notes", 1940)] });
    const added = upsertService(file, row("vault", 1941));
    expect(added).toEqual(row("vault", 1941));
    expect(readServices(file).services).toEqual([row("notes", 1940), row("vault", 1941)]);
  });

  test("upsertService creates the file when there is none", () => {
    upsertService(file, row("notes", 1940));
    expect(readServices(file).services).toEqual([row("notes", 1940)]);
  });

  test("upsertService merges into the row with the same manifestName", () => {
    writeServices(file, { services: [row("notes", 1940, { displayName: "Notes" }), row("vault", 1941)] });
    const merged = upsertService(file, {
      manifestName: "@parachute/notes",
      version: "2.0.0",
      enabled: false,
    });
    const expected = row("notes", 1940, { displayName: "Notes", version: "2.0.0", enabled: false });
    expect(merged).toEqual(expected);
    expect(readServices(file).services).toEqual([expected, row("vault", 1941)]);
  });

  test("writes leave no temp files behind", () => {
    writeServices(file, { services: [row("notes", 1940)] });
    writeServices(file, { services: [row("notes", 1940), row("vault", 1941)] });
    upsertService(file, { manifestName: "@parachute/vault", version: "1.1.0" });
    expect(readdirSync(dir).sort()).toEqual(["services.json", "services.json.bak"]);
  });
});

describe("atomic-file", () => {
  let dir = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "atomic-file-test-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("writeFileAtomic replaces the content and leaves only the target", () => {
    const file = join(dir, "a.txt");
    writeFileAtomic(file, "one");
    writeFileAtomic(file, "two");
    expect(readFileSync(file, "utf8")).toBe("two");
    expect(readdirSync(dir)).toEqual(["a.txt"]);
  });

  test("keepBackup copies the current file and does nothing without one", () => {
    const file = join(dir, "a.txt");
    keepBackup(file);
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(file, "good");
    keepBackup(file);
    expect(readFileSync(`${file}.bak`, "utf8")).toBe("good");
  });
});
