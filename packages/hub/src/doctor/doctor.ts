import type { StatusResponse } from "../api-types.ts";
import { resolveHome } from "../platform/home.ts";
import { bindHost, configuredOrigin } from "../platform/origin.ts";
import { type CheckResult, fail } from "./check.ts";
import { judgeClock } from "./clock.ts";
import { checkHubDb } from "./database.ts";
import { checkDisk } from "./disk.ts";
import { facts, judgeHome, judgeSecrets, secretFiles } from "./files.ts";
import { checkPort, type HubFacts, hubFacts, judgeHub } from "./hub.ts";
import { type HubView, judgeModule, packageFacts } from "./modules.ts";
import { judgeOrigin } from "./origin.ts";
import { checkServices } from "./services.ts";
import { claimsOf, type HubAnswer, judgeToken, readTokenFile, type TokenFile } from "./token.ts";

const ASK_MS = 3000;

/** What the running hub answers, asked over loopback only once it has proven it is this home's. */
interface HubAnswers {
  answer: HubAnswer;
  status: StatusResponse | null;
  date: string | null;
}

async function askHub(f: HubFacts, token: TokenFile): Promise<HubAnswers> {
  if (!f.proven || !f.runtime) return { answer: null, status: null, date: null };
  const base = `http://127.0.0.1:${f.runtime.port}`;
  const signal = () => AbortSignal.timeout(ASK_MS);
  let date: string | null = null;
  try {
    const health = await fetch(`${base}/health`, { signal: signal() });
    date = health.headers.get("date");
    await health.body?.cancel();
  } catch {
    // Judged by the clock check as "nothing to compare with".
  }
  // A token that cannot be read is not sent; the token check judges the file alone.
  if (token.kind !== "read") return { answer: { status: 0 }, status: null, date };
  try {
    const res = await fetch(`${base}/api/status`, {
      headers: { authorization: `Bearer ${token.token}` },
      signal: signal(),
    });
    const status = res.ok ? ((await res.json()) as StatusResponse) : null;
    if (!res.ok) await res.body?.cancel();
    return { answer: { status: res.status }, status, date };
  } catch {
    return { answer: { status: 0 }, status: null, date };
  }
}

function hubView(f: HubFacts, a: HubAnswers, short: string): HubView {
  if (!f.proven) return { kind: "unchecked", why: "no hub is running" };
  if (!a.status) return { kind: "unchecked", why: "the hub did not answer with the operator token" };
  const status = a.status.modules.find((m) => m.short === short);
  return status ? { kind: "status", status } : { kind: "unlisted" };
}

/**
 * Runs every check of `parachute doctor` against the home `env` names, in the order they are shown.
 * It only reads: files are opened read-only, hub.db without creating anything beside it, the port
 * probed by a listen that is closed at once, and the hub asked over loopback.
 */
export async function runDoctor(
  env: Record<string, string | undefined>,
  portFlag: string | undefined,
): Promise<CheckResult[]> {
  const home = resolveHome(env);
  const uid = process.getuid?.() ?? -1;
  const results: CheckResult[] = [judgeHome(home.root, facts(home.root), uid)];
  results.push(
    judgeSecrets(
      secretFiles(home).flatMap((p) => facts(p) ?? []),
      uid,
    ),
  );
  results.push(checkDisk(home.root));
  results.push(checkHubDb(home.hubDb));
  const services = checkServices(home.services);
  results.push(services.result);

  const hub = await hubFacts(home);
  const bind = bindHost(env);
  results.push(judgeHub(home.root, hub));
  results.push(await checkPort(hub, portFlag, env, bind));
  const token = readTokenFile(home.operatorToken);
  const answers = await askHub(hub, token);
  const now = Date.now();
  results.push(judgeToken(home.operatorToken, token, answers.answer, now));
  results.push(originCheck(env, home.root, hub.proven ? (hub.runtime?.origin ?? null) : null, bind));
  const iat = token.kind === "read" ? claimsOf(token.token)?.iat : undefined;
  results.push(judgeClock(now, answers.date, typeof iat === "number" ? iat : null));

  for (const row of services.rows ?? []) {
    results.push(judgeModule(row, await packageFacts(row, env.PATH), hubView(hub, answers, row.name)));
  }
  return results;
}

/** The origin check, counting the one `parachute expose` published; a damaged expose.json is a failure. */
function originCheck(
  env: Record<string, string | undefined>,
  home: string,
  running: string | null,
  bind: string,
): CheckResult {
  try {
    return judgeOrigin(configuredOrigin(env, home), running, bind);
  } catch (err) {
    return fail("origin", (err as Error).message, "fix or remove that file, or run `parachute expose off`");
  }
}
