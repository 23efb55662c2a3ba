import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";

/**
 * Where a running hub can be reached: `$PARACHUTE_HOME/hub.runtime.json` (mode 0600), written by
 * `parachute serve` and removed at a clean exit. `secret` lets a tool check that whatever answers
 * on `port` is that hub before it sends a credential there: after an unclean stop the file stays,
 * and its pid and port may by then belong to someone else's process.
 */
export interface HubRuntime {
  pid: number;
  port: number;
  origin: string;
  version: string;
  secret: string;
}

export const RUNTIME_FILE = "hub.runtime.json";
/** The request header carrying a challenge to the hub's `/health`, and the answer's header. */
export const CHALLENGE_HEADER = "x-parachute-challenge";
export const PROOF_HEADER = "x-parachute-proof";

const MAX_RUNTIME_BYTES = 4096;

/** The hub's answer to a challenge: an HMAC of it under the runtime file's secret. */
export function proofFor(secret: string, challenge: string): string {
  return createHmac("sha256", secret).update(challenge).digest("hex");
}

/**
 * The runtime file's contents when it is a small regular file holding well-formed fields, else
 * null. Opened without following a FIFO's block and read to a bound, so a device, a pipe or a huge
 * file in its place is refused rather than read.
 */
export function readRuntime(path: string): HubRuntime | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_RUNTIME_BYTES) return null;
    const buf = Buffer.alloc(st.size);
    readSync(fd, buf, 0, st.size, 0);
    return wellFormed(JSON.parse(buf.toString("utf8")));
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function wellFormed(v: unknown): HubRuntime | null {
  if (typeof v !== "object" || v === null) return null;
  const r = v as Record<string, unknown>;
  const okPid = Number.isInteger(r.pid) && (r.pid as number) > 1;
  const okPort = Number.isInteger(r.port) && (r.port as number) > 0 && (r.port as number) < 65536;
  const origin = typeof r.origin === "string" ? URL.parse(r.origin) : null;
  const okOrigin = origin !== null && (origin.protocol === "http:" || origin.protocol === "https:");
  if (!okPid || !okPort || !okOrigin || typeof r.version !== "string" || typeof r.secret !== "string")
    return null;
  return {
    pid: r.pid as number,
    port: r.port as number,
    origin: origin.origin,
    version: r.version,
    secret: r.secret,
  };
}

/** Whether a process of this user runs with that pid (another user's process is never our hub). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The hub serving a home, proven: its runtime file is well formed, names a live process, and what
 * answers on its port knows the file's secret. Anything else is no hub (a stale file, a squatter).
 */
export async function runningHub(home: string, timeoutMs = 3000): Promise<HubRuntime | null> {
  const info = readRuntime(join(home, RUNTIME_FILE));
  if (!info || !processAlive(info.pid)) return null;
  const challenge = randomBytes(16).toString("hex");
  try {
    const res = await fetch(`http://127.0.0.1:${info.port}/health`, {
      headers: { [CHALLENGE_HEADER]: challenge },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "manual",
    });
    await res.body?.cancel();
    const proof = Buffer.from(res.headers.get(PROOF_HEADER) ?? "");
    const want = Buffer.from(proofFor(info.secret, challenge));
    return proof.length === want.length && timingSafeEqual(proof, want) ? info : null;
  } catch {
    return null;
  }
}
