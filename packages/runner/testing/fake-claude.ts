#!/usr/bin/env bun
/**
 * A stand-in for `claude -p` in the runner's tests: it records its arguments, environment and
 * prompt, then answers as the prompt asks — `MODE:fail` (stderr, exit 3), `MODE:empty` (nothing),
 * `MODE:hang` (starts a grandchild and never ends), `MODE:slow:<ms>`, `MODE:mcp` (lists the vault's
 * tools and calls one, through the MCP config it was given) — or, by default, a JSON result like claude's.
 *
 *   bun fake-claude.ts <record-dir> <claude's arguments…>
 */
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [recordDir, ...args] = process.argv.slice(2);
const prompt = await new Response(Bun.stdin.stream()).text();
const flag = (name: string) => args[args.indexOf(name) + 1];
appendFileSync(
  join(recordDir!, "calls.jsonl"),
  `${JSON.stringify({ args, env: process.env, prompt, pid: process.pid })}\n`,
);

const mode = /MODE:(\w+)(?::(\d+))?/.exec(prompt);
const answer = (result: string) =>
  console.log(
    JSON.stringify({
      type: "result",
      subtype: "success",
      is_error: false,
      result,
      total_cost_usd: 0.0125,
      num_turns: 3,
      duration_ms: 1500,
    }),
  );

switch (mode?.[1]) {
  case "fail":
    console.error("the model was unreachable");
    process.exit(3);
    break;
  case "empty":
    process.exit(0);
    break;
  case "hang": {
    const child = Bun.spawn(["sleep", "1000"], { stdio: ["ignore", "ignore", "ignore"] });
    appendFileSync(join(recordDir!, "grandchildren"), `${child.pid}\n`);
    await new Promise(() => {});
    break;
  }
  case "slow":
    await Bun.sleep(Number(mode[2] ?? 1000));
    answer(`slow answer after ${mode[2]} ms`);
    break;
  case "mcp": {
    const config = JSON.parse(readFileSync(flag("--mcp-config")!, "utf8"));
    const [name, server] = Object.entries(config.mcpServers)[0] as [
      string,
      { url: string; headers: Record<string, string> },
    ];
    const res = await fetch(server.url, {
      method: "POST",
      headers: {
        ...server.headers,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
    });
    const text = await res.text();
    const tools = [...text.matchAll(/"name":"([^"]+)"/g)].map((m) => `mcp__${name}__${m[1]}`);
    // And one tool called, as claude would.
    const called = await fetch(server.url, {
      method: "POST",
      headers: {
        ...server.headers,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "vault-info", arguments: {} },
      }),
    });
    const info = (await called.text()).includes("notes") ? "vault-info answered" : "vault-info failed";
    answer(`status ${res.status}; ${info}; tools: ${tools.join(", ")}`);
    break;
  }
  default:
    answer(`Answer to: ${prompt.trim().split("\n")[0]}`);
}
