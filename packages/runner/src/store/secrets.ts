import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "@parachute/module-kit";

export type SecretErrorCode = "missing_key" | "wrong_key" | "tampered" | "unreadable";

/** A stored secret cannot be read or written; `code` says why, the message names the file and a fix. */
export class SecretError extends Error {
  constructor(
    readonly code: SecretErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "SecretError";
  }
}

/** One sealed value as stored in secrets.json; binary fields are base64. */
interface Sealed {
  v: 1;
  /** First 8 bytes of SHA-256 of the master key, hex: tells a wrong key from a tampered value. */
  kid: string;
  iv: string;
  tag: string;
  data: string;
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Secrets sealed with AES-256-GCM under a master key, kept in `dir` as `master.key` (32 random bytes)
 * and `secrets.json`, both owner-only. The secret's name is authenticated with it, so a value moved
 * under another name does not open.
 */
export class SecretStore {
  readonly #dir: string;
  readonly #keyPath: string;
  readonly #filePath: string;

  constructor(dir: string) {
    this.#dir = dir;
    this.#keyPath = join(dir, "master.key");
    this.#filePath = join(dir, "secrets.json");
  }

  /** Seals and stores `value`, creating the master key on first use. A malformed file is left alone. */
  set(name: string, value: string): void {
    const all = this.#read();
    const key = this.#keyForWrite();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from(name, "utf8"));
    const data = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
    all.set(name, {
      v: 1,
      kid: keyId(key),
      iv: iv.toString("base64"),
      tag: cipher.getAuthTag().toString("base64"),
      data: data.toString("base64"),
    });
    this.#write(all);
  }

  /** The secret, or null when none is stored under `name`; throws SecretError when it cannot be opened. */
  get(name: string): string | null {
    const sealed = this.#read().get(name);
    if (!sealed) return null;
    const key = this.#keyForRead();
    if (sealed.kid !== keyId(key)) {
      throw new SecretError(
        "wrong_key",
        `"${name}" in ${this.#filePath} was sealed with another master key than ${this.#keyPath}; ` +
          "restore the matching master.key or store the secret again",
      );
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"));
      decipher.setAAD(Buffer.from(name, "utf8"));
      decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
      const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, "base64")), decipher.final()]);
      return plain.toString("utf8");
    } catch {
      throw new SecretError(
        "tampered",
        `"${name}" in ${this.#filePath} fails its integrity check (changed or corrupted); store it again`,
      );
    }
  }

  has(name: string): boolean {
    return this.#read().has(name);
  }

  /** Forgets the secret; the master key stays. */
  clear(name: string): void {
    const all = this.#read();
    if (all.delete(name)) this.#write(all);
  }

  #read(): Map<string, Sealed> {
    let text: string;
    try {
      text = readFileSync(this.#filePath, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return new Map();
      throw this.#unreadable((err as Error).message);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.#unreadable("not JSON");
    }
    if (!isRecord(parsed)) throw this.#unreadable("not a JSON object");
    const all = new Map<string, Sealed>();
    for (const [name, entry] of Object.entries(parsed)) {
      if (!isSealed(entry)) throw this.#unreadable(`the entry "${name}" is not a sealed secret`);
      all.set(name, entry);
    }
    return all;
  }

  #write(all: Map<string, Sealed>): void {
    this.#ensureDir();
    writeFileAtomic(this.#filePath, `${JSON.stringify(Object.fromEntries(all), null, 2)}\n`, 0o600);
    chmodSync(this.#filePath, 0o600);
  }

  #keyForRead(): Buffer {
    let key: Buffer;
    try {
      key = readFileSync(this.#keyPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new SecretError(
          "missing_key",
          `${this.#filePath} holds secrets but ${this.#keyPath} is missing; ` +
            "restore master.key from a backup or store the secret again",
        );
      }
      throw new SecretError("unreadable", `${this.#keyPath} cannot be read: ${(err as Error).message}`);
    }
    if (key.length !== KEY_BYTES) {
      throw new SecretError(
        "unreadable",
        `${this.#keyPath} holds ${key.length} bytes, not ${KEY_BYTES}; restore it from a backup`,
      );
    }
    return key;
  }

  /** The master key, created if absent. */
  #keyForWrite(): Buffer {
    this.#ensureDir();
    if (!existsSync(this.#keyPath)) this.#createKey();
    return this.#keyForRead();
  }

  /**
   * Writes a whole key to a temp file and hard-links it into place: the link fails if a key already
   * exists, so an existing key is never replaced and a crash never leaves a short one.
   */
  #createKey(): void {
    const tmp = join(this.#dir, `.master.key.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
    const fd = openSync(tmp, "wx", 0o600);
    try {
      writeSync(fd, randomBytes(KEY_BYTES));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      chmodSync(tmp, 0o600);
      linkSync(tmp, this.#keyPath);
      syncDir(this.#dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    } finally {
      unlinkSync(tmp);
    }
  }

  #ensureDir(): void {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    chmodSync(this.#dir, 0o700);
  }

  #unreadable(why: string): SecretError {
    return new SecretError(
      "unreadable",
      `${this.#filePath} is unreadable (${why}); fix or move it aside, then store the secret again`,
    );
  }
}

/**
 * Moves a plaintext secret found at `config[key]` into `store` under the same name and returns the
 * config without it; the caller rewrites its config file when `migrated` is true.
 */
export function migratePlaintext(
  config: Record<string, unknown>,
  key: string,
  store: SecretStore,
): { config: Record<string, unknown>; migrated: boolean } {
  const value = config[key];
  if (typeof value !== "string" || value === "") return { config, migrated: false };
  store.set(key, value);
  const { [key]: _removed, ...rest } = config;
  return { config: rest, migrated: true };
}

function keyId(key: Buffer): string {
  return createHash("sha256").update(key).digest().subarray(0, 8).toString("hex");
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function isSealed(x: unknown): x is Sealed {
  return (
    isRecord(x) &&
    x.v === 1 &&
    typeof x.kid === "string" &&
    isBase64(x.iv, IV_BYTES) &&
    isBase64(x.tag, TAG_BYTES) &&
    isBase64(x.data)
  );
}

function isBase64(x: unknown, bytes?: number): x is string {
  if (typeof x !== "string" || !BASE64.test(x)) return false;
  return bytes === undefined || Buffer.from(x, "base64").length === bytes;
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the link itself is still atomic.
  }
}
