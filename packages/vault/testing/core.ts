import type { Database } from "bun:sqlite";
import { expect } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VaultError } from "../src/core/errors.ts";
import type { NoteStore } from "../src/core/notes.ts";
import { type Vault, VaultSet } from "../src/core/vaults.ts";

/** A clock the test moves by hand: `now` is what the code under test calls. */
export class FakeClock {
  constructor(public ms = Date.parse("2024-01-01T00:00:00.000Z")) {}
  readonly now = (): number => this.ms;
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A fresh data folder with a VaultSet on a fake clock; `close()` shuts it and removes the folder. */
export interface TempVaults {
  dir: string;
  clock: FakeClock;
  vaults: VaultSet;
  vault: Vault;
  db: Database;
  notes: NoteStore;
  close(): void;
}

export function tempVaults(): TempVaults {
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

/** Runs `fn`, expects it to throw a VaultError, and returns that error. */
export function vaultError(fn: () => unknown): VaultError {
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
