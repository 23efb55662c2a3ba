import type { TokenRecord } from "../../api-types.ts";
import { parseArgs } from "../args.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import type { Command } from "../io.ts";
import { table } from "./status.ts";

/** `parachute token create|list|revoke`: hub tokens for scripts, tests and other machines. */
export const token: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  const client = io.client();
  if (sub === "create") {
    const args = parseArgs(rest, ["--scope", "--ttl", "--aud", "--label"], []);
    const scope = args.flags.get("--scope");
    if (typeof scope !== "string" || args.positional.length) {
      throw new CliError(
        EXIT.usage,
        'usage: parachute token create --scope "<scopes>" [--ttl 30d] [--aud <module>] [--label <text>]',
      );
    }
    const body: Record<string, string> = { scope };
    for (const k of ["ttl", "aud", "label"]) {
      const v = args.flags.get(`--${k}`);
      if (typeof v === "string") body[k] = v;
    }
    const res = await client.call<{ token: string; jti: string; exp: number; aud: string[] }>(
      "POST",
      "/api/tokens",
      body,
    );
    io.print(res.token);
    io.printErr(
      `jti ${res.jti}, audience ${res.aud.join(" ")}, expires ${new Date(res.exp * 1000).toISOString()}`,
    );
    return EXIT.ok;
  }
  if (sub === "list") {
    const args = parseArgs(rest, [], ["--json"]);
    const { tokens } = await client.call<{ tokens: TokenRecord[] }>("GET", "/api/tokens");
    if (args.flags.has("--json")) {
      io.print(JSON.stringify(tokens, null, 2));
      return EXIT.ok;
    }
    const rows = [["JTI", "SCOPE", "AUDIENCE", "KIND", "LABEL", "EXPIRES", "REVOKED"]];
    for (const t of tokens) {
      rows.push([
        t.jti,
        t.scope,
        t.aud,
        t.kind,
        t.label ?? "",
        new Date(t.expiresAt).toISOString(),
        t.revokedAt ? "yes" : "",
      ]);
    }
    io.print(tokens.length ? table(rows) : "no tokens");
    return EXIT.ok;
  }
  if (sub === "revoke") {
    const args = parseArgs(rest, [], []);
    const jti = args.positional[0];
    if (!jti || args.positional.length > 1)
      throw new CliError(EXIT.usage, "usage: parachute token revoke <jti>");
    await client.call("DELETE", `/api/tokens/${encodeURIComponent(jti)}`);
    io.print(`revoked ${jti}`);
    io.printErr(
      "Requests through the hub are refused at once; a module called directly on its own port may accept the token until it next polls the revocations (30 s at most).",
    );
    return EXIT.ok;
  }
  throw new CliError(EXIT.usage, "usage: parachute token create|list|revoke …");
};
