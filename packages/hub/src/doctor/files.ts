import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Home } from "../platform/home.ts";
import { type CheckResult, fail, octal, ok, warn } from "./check.ts";

/** What `stat` says about a path, or null when nothing is there. */
export interface FileFacts {
  path: string;
  mode: number;
  uid: number;
  dir: boolean;
}

export function facts(path: string): FileFacts | null {
  try {
    const st = statSync(path);
    return { path, mode: st.mode, uid: st.uid, dir: st.isDirectory() };
  } catch {
    return null;
  }
}

/** The home exists, is a folder of the current user, and only that user can enter it. */
export function judgeHome(root: string, f: FileFacts | null, uid: number): CheckResult {
  if (!f)
    return fail(
      "home",
      `there is no home at ${root}`,
      "start the hub once with `parachute serve` (it creates the home), or set PARACHUTE_HOME to the home you use",
    );
  if (!f.dir)
    return fail("home", `${root} is not a folder`, "move it aside and set PARACHUTE_HOME to the home");
  if (f.uid !== uid)
    return fail(
      "home",
      `${root} belongs to uid ${f.uid}, and this is uid ${uid}`,
      `run the hub and the CLI as the user who owns it, or give it to this one: chown -R ${uid} ${root}`,
    );
  if ((f.mode & 0o077) !== 0)
    return warn(
      "home",
      `${root} is open to other users (mode ${octal(f.mode)}); module data there can be read by them`,
      `chmod 700 ${root}`,
    );
  return ok("home", `${root} is yours and owner-only (0700)`);
}

/** Folders of the home that are the hub's, not a module's data. */
const HUB_FOLDERS = new Set(["modules", "logs", "operations", "backups", "hub"]);

/**
 * The files of a home that hold credentials: the operator token, the runtime file's secret, hub.db
 * (and its WAL and pre-migration copy), and in each module's data folder its `.env`, settings and
 * service token.
 */
export function secretFiles(home: Home): string[] {
  const files = [
    home.operatorToken,
    home.runtime,
    home.hubDb,
    `${home.hubDb}-wal`,
    `${home.hubDb}-shm`,
    `${home.hubDb}.pre-migration.bak`,
  ];
  let entries: string[] = [];
  try {
    entries = readdirSync(home.root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !HUB_FOLDERS.has(e.name) && !e.name.startsWith("."))
      .map((e) => e.name);
  } catch {
    // No home: judged by the home check.
  }
  for (const short of entries.sort()) {
    for (const f of [".env", "config.json", ".service-token"]) files.push(join(home.dataDir(short), f));
  }
  return files.filter((f) => existsSync(f));
}

/** No secret file is open to other users or belongs to another user. */
export function judgeSecrets(files: FileFacts[], uid: number): CheckResult {
  const open = files.filter((f) => (f.mode & 0o077) !== 0);
  const foreign = files.filter((f) => f.uid !== uid);
  if (open.length) {
    const list = open.map((f) => `${f.path} (${octal(f.mode)})`).join(", ");
    return fail(
      "secrets",
      `${open.length === 1 ? "a file" : `${open.length} files`} holding credentials can be read by other users: ${list}`,
      `chmod 600 ${open.map((f) => f.path).join(" ")}`,
    );
  }
  if (foreign.length) {
    return fail(
      "secrets",
      `${foreign.map((f) => `${f.path} (uid ${f.uid})`).join(", ")} belong${foreign.length === 1 ? "s" : ""} to another user`,
      `run the hub as the user who owns the home, or: chown ${uid} ${foreign.map((f) => f.path).join(" ")}`,
    );
  }
  if (files.length === 0) return ok("secrets", "no file holding credentials yet");
  return ok(
    "secrets",
    `${files.length} file${files.length === 1 ? "" : "s"} holding credentials, all owner-only`,
  );
}
