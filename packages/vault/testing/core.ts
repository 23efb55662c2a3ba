import type { Database } from "bun:sqlite";
import { afterEach, beforeEach, expect } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VaultError } from "../src/core/errors.ts";
import type { NoteStore } from "../src/core/notes.ts";
import { type Vault, VaultSet } from "../src/core/vaults.ts";

/** A clock the test moves by hand: `now` is what the code under test calls. */
class FakeClock {
  constructor(public ms = Date.parse("2024-01-01T00:00:00.000Z")) {}
  readonly now = (): number => this.ms;
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A fresh data folder with a VaultSet on a fake clock, and its `default` vault. */
export interface TempVaults {
  dir: string;
  clock: FakeClock;
  vaults: VaultSet;
  vault: Vault;
  db: Database;
  notes: NoteStore;
}

/** Makes a TempVaults; `close()` shuts its VaultSet and removes the folder. */
function tempVaults(): TempVaults & { close(): void } {
  const dir = mkdtempSync(join(tmpdir(), "vault-test-"));
  const clock = new FakeClock();
  const vaults = new VaultSet(dir, clock.now);
  const vault = vaults.get("default");
  return {
    dir,
    clock,
    vaults,
    vault,
    db: vault.db,
    notes: vault.notes,
    close() {
      vaults.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh TempVaults for every test of the file or `describe` block that calls this: made before each
 * test, closed and removed after it. Its fields are read inside tests and hooks, never at load time.
 */
export function vaultsPerTest(): TempVaults {
  let current: ReturnType<typeof tempVaults> | null = null;
  beforeEach(() => {
    current = tempVaults();
  });
  afterEach(() => {
    current?.close();
    current = null;
  });
  const now = (): TempVaults => {
    if (!current) throw new Error("vaultsPerTest: read inside a test or a hook");
    return current;
  };
  return {
    get dir() {
      return now().dir;
    },
    get clock() {
      return now().clock;
    },
    get vaults() {
      return now().vaults;
    },
    get vault() {
      return now().vault;
    },
    get db() {
      return now().db;
    },
    get notes() {
      return now().notes;
    },
  };
}

/** A maker of temp folders for the calling file's tests; each folder is removed after its test. */
export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    made.push(d);
    return d;
  };
}

/** Runs `fn`, expects it to throw a VaultError, and returns that error. */
function vaultError(fn: () => unknown): VaultError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(VaultError);
    return err as VaultError;
  }
  throw new Error("nothing was thrown");
}

/** Expects `fn` to throw a VaultError of this kind (and code, when given). */
export function expectVaultError(fn: () => unknown, kind: VaultError["kind"], code?: string): VaultError {
  const err = vaultError(fn);
  expect(err.kind).toBe(kind);
  if (code !== undefined) expect(err.code).toBe(code);
  return err;
}
