/** What the tests read from deploy/Dockerfile: its instructions, and the environment it sets. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const DOCKERFILE = join(import.meta.dir, "..", "Dockerfile");

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** The Dockerfile's instructions, continuation lines joined and comments dropped. */
export function instructions(text = readFileSync(DOCKERFILE, "utf8")): Instruction[] {
  const out: Instruction[] = [];
  let pending: Instruction | null = null;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith("#") || (!line && !pending)) return;
    const body = line.endsWith("\\") ? line.slice(0, -1).trim() : line;
    if (pending) pending.args = `${pending.args} ${body}`.trim();
    else {
      const [keyword = "", ...rest] = body.split(/\s+/);
      pending = { keyword: keyword.toUpperCase(), args: rest.join(" "), line: i + 1 };
    }
    if (!line.endsWith("\\")) {
      out.push(pending);
      pending = null;
    }
  });
  return out;
}

/**
 * The final image's ENV (the last stage's), with its paths moved: `/app` to `app`, `/parachute` to
 * `home`, and `$PATH` to `path`.
 */
export function imageEnv(moved: { app: string; home: string; path: string }): Record<string, string> {
  const all = instructions();
  const lastStage = all.map((i) => i.keyword).lastIndexOf("FROM");
  const env: Record<string, string> = {};
  for (const { keyword, args } of all.slice(lastStage)) {
    if (keyword !== "ENV") continue;
    for (const pair of args.split(/\s+/)) {
      const [key = "", value = ""] = pair.split("=", 2);
      env[key] = value
        .replace(/(^|:)\/app(?=[/:]|$)/g, `$1${moved.app}`)
        .replace(/(^|:)\/parachute(?=[/:]|$)/g, `$1${moved.home}`)
        .replace("$PATH", moved.path);
    }
  }
  return env;
}

/**
 * What the image runs: ENTRYPOINT then CMD (both exec form), with `/app` moved to `app`.
 */
export function imageCommand(app: string): string[] {
  const last = (keyword: string) => instructions().findLast((i) => i.keyword === keyword)?.args ?? "[]";
  const argv = [...JSON.parse(last("ENTRYPOINT")), ...JSON.parse(last("CMD"))] as string[];
  return argv.map((a) => a.replace(/^\/app(?=\/|$)/, app));
}
