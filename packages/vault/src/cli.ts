import { join, resolve } from "node:path";
import type { Readable, Writable } from "node:stream";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { HttpError, runningHub } from "@parachute/module-kit";
import { VaultError } from "./core/errors.ts";
import { exportFolder, importFolder } from "./core/transfer.ts";
import { VaultSet } from "./core/vaults.ts";
import { vaultMcpServer } from "./mcp/server.ts";
import { ttlMs } from "./rest/app.ts";

/** Exit codes, a subset of the hub CLI's (docs/contracts/cli.md). */
const EXIT = { ok: 0, failed: 1, usage: 2, noHub: 3, notFound: 5 } as const;

/** What a command may touch: its output, the environment, and stdio as an MCP channel. */
export interface VaultCliIo {
  print(text: string): void;
  printErr(text: string): void;
  env: Record<string, string | undefined>;
  /** The MCP stdio channel (the process's stdin and stdout). */
  stdin: Readable;
  stdout: Writable;
  /** The command line that starts this program again (`bun …/main.ts`), for the stdio config. */
  self: string[];
  version: string;
  cwd: string;
  /** Resolves when the operator asks to stop (SIGINT/SIGTERM). */
  interrupted: Promise<void>;
}

const USAGE = `usage: parachute-vault [command]

  (no command)             serve the vault module (started by the hub)
  mcp [--vault <name>]     the MCP server on stdio, with full access to the local vault
                           (default: default), in $PARACHUTE_HOME/vault
  mcp-config [<vault>] [--stdio]
                           print the JSON that \`claude --mcp-config\` takes: the streamable HTTP
                           endpoint of the hub running for $PARACHUTE_HOME (or PARACHUTE_HUB_ORIGIN),
                           or with --stdio this program on stdio
  import <dir> [--vault <name>]
                           import a folder of markdown files (YAML frontmatter → metadata and tags;
                           <note>.attachments/ folders → attachments)
  export <dir> [--vault <name>]
                           write every note as <path>.md (and its attachments) under <dir>
  reindex [--vault <name>]
                           rebuild the search indexes (FTS5 and the ranked index) from the notes
  token create --scope read|write|admin [--ttl 30d] [--label <text>] [--vault <name>]
  token list [--vault <name>]
  token revoke <id> [--vault <name>]
                           vault API tokens for headless use (the token is printed once)
  help                     this text

Commands work on $PARACHUTE_HOME/vault directly; stop the vault module first for large imports.`;

class UsageError extends Error {}

/** Runs one command and returns its exit code; errors are rendered here, once. */
export async function runCli(argv: string[], io: VaultCliIo): Promise<number> {
  const [name, ...rest] = argv;
  // `<command> --help` is a question, not a mistake: the usage, and success.
  if (rest.includes("--help") || rest.includes("-h")) {
    io.print(USAGE);
    return EXIT.ok;
  }
  try {
    switch (name) {
      case "mcp":
        return await mcpStdio(rest, io);
      case "mcp-config":
        return await mcpConfig(rest, io);
      case "import":
      case "export":
        return await transfer(name, rest, io);
      case "token":
        return tokens(rest, io);
      case "reindex":
        return reindex(rest, io);
      case "help":
      case "--help":
      case "-h":
        io.print(USAGE);
        return EXIT.ok;
      default:
        throw new UsageError(`unknown command "${name}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.printErr(`parachute-vault: ${err.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    if (err instanceof HttpError) {
      io.printErr(`parachute-vault ${name}: ${err.message}`);
      return EXIT.usage;
    }
    if (err instanceof VaultError) {
      io.printErr(`parachute-vault ${name}: ${err.message}`);
      return err.kind === "not_found" ? EXIT.notFound : EXIT.usage;
    }
    io.printErr(`parachute-vault ${name}: ${(err as Error).stack ?? err}`);
    return EXIT.failed;
  }
}

/** `import` / `export` between a vault and a folder of markdown files. */
async function transfer(verb: "import" | "export", argv: string[], io: VaultCliIo): Promise<number> {
  const { positional, flags } = parse(argv, ["--vault"], []);
  if (positional.length !== 1) throw new UsageError(`usage: parachute-vault ${verb} <dir> [--vault <name>]`);
  const dir = resolve(io.cwd, positional[0]!);
  const vaults = new VaultSet(join(vaultsHome(io.env), "vault"), () => Date.now());
  try {
    const name = flags.get("--vault") ?? "default";
    const vault = verb === "import" ? vaults.create(name) : vaults.get(name);
    const count =
      verb === "import"
        ? await importFolder(vault.notes, dir, vault.attachments)
        : exportFolder(vault.notes, dir, vault.attachments);
    io.print(
      `${verb === "import" ? "imported" : "exported"} ${count} notes ${verb === "import" ? "from" : "to"} ${dir}`,
    );
    return EXIT.ok;
  } finally {
    vaults.close();
  }
}

/** `reindex`: both search indexes rebuilt from the notes, for an index lost or in doubt. */
function reindex(argv: string[], io: VaultCliIo): number {
  const { positional, flags } = parse(argv, ["--vault"], []);
  if (positional.length) throw new UsageError("usage: parachute-vault reindex [--vault <name>]");
  const vaults = new VaultSet(join(vaultsHome(io.env), "vault"), () => Date.now());
  try {
    const vault = vaults.get(flags.get("--vault") ?? "default");
    const began = performance.now();
    vault.notes.search.rebuild(true); // FTS5 too, from the notes
    const { docs, tokens } = vault.notes.search.stats();
    io.print(
      `reindexed ${docs} notes (${tokens} words) in vault ${vault.name} in ${((performance.now() - began) / 1000).toFixed(1)} s`,
    );
    return EXIT.ok;
  } finally {
    vaults.close();
  }
}

/** `token create|list|revoke` for one vault's API tokens. */
function tokens(argv: string[], io: VaultCliIo): number {
  const [verb, ...rest] = argv;
  const { positional, flags } = parse(rest, ["--vault", "--scope", "--ttl", "--label"], []);
  const vaults = new VaultSet(join(vaultsHome(io.env), "vault"), () => Date.now());
  try {
    const vault = vaults.get(flags.get("--vault") ?? "default");
    if (verb === "create") {
      const scope = flags.get("--scope");
      if (!scope || positional.length)
        throw new UsageError("usage: parachute-vault token create --scope read|write|admin");
      const { token, info } = vault.tokens.create(
        scope,
        ttlMs(flags.get("--ttl") ?? "30d"),
        flags.get("--label"),
      );
      io.print(token);
      io.printErr(`id ${info.id}, ${info.verb} on vault ${vault.name}, expires ${info.expires_at}`);
      return EXIT.ok;
    }
    if (verb === "list") {
      io.print(JSON.stringify(vault.tokens.list(), null, 2));
      return EXIT.ok;
    }
    if (verb === "revoke" && positional.length === 1) {
      vault.tokens.revoke(positional[0]!);
      io.print(`revoked ${positional[0]}`);
      return EXIT.ok;
    }
    throw new UsageError("usage: parachute-vault token create|list|revoke …");
  } finally {
    vaults.close();
  }
}

function vaultsHome(env: VaultCliIo["env"]): string {
  return env.PARACHUTE_HOME ?? join(env.HOME ?? ".", ".parachute");
}

/** Serves one local vault over stdio until stdin closes or the operator interrupts. */
async function mcpStdio(argv: string[], io: VaultCliIo): Promise<number> {
  const { positional, flags } = parse(argv, ["--vault"], []);
  if (positional.length > 0) throw new UsageError("mcp takes --vault <name>, not a positional argument");
  const vaults = new VaultSet(join(vaultsHome(io.env), "vault"), () => Date.now());
  try {
    const vault = vaults.get(flags.get("--vault") ?? "default");
    const server = vaultMcpServer(vault, `vault:${vault.name}:admin`, io.version);
    const ended = new Promise<void>((resolve) => {
      io.stdin.once("end", resolve);
      io.stdin.once("close", resolve);
    });
    await server.connect(new StdioServerTransport(io.stdin, io.stdout));
    io.printErr(`parachute-vault: MCP on stdio for vault ${vault.name} in ${vault.dir}`);
    await Promise.race([ended, io.interrupted]);
    await server.close();
    return EXIT.ok;
  } finally {
    vaults.close();
  }
}

/**
 * Prints an `mcpServers` document for one existing vault: over the hub (default) or on stdio. The
 * hub's origin is PARACHUTE_HUB_ORIGIN when set, else that of the hub running for the home.
 */
async function mcpConfig(argv: string[], io: VaultCliIo): Promise<number> {
  const { positional, flags } = parse(argv, [], ["--stdio"]);
  if (positional.length > 1) throw new UsageError("mcp-config takes one vault name");
  const vault = positional[0] ?? "default";
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(vault)) throw new UsageError(`"${vault}" is not a vault name`);
  const home = vaultsHome(io.env);
  const vaults = new VaultSet(join(home, "vault"), () => Date.now());
  try {
    vaults.get(vault);
  } finally {
    vaults.close();
  }
  let origin = io.env.PARACHUTE_HUB_ORIGIN?.replace(/\/+$/, "");
  if (!origin && !flags.has("--stdio")) {
    origin = (await runningHub(home))?.origin;
    if (!origin) {
      io.printErr(
        `parachute-vault mcp-config: no hub is running for ${home}. Start it (\`npx parachute serve\` in a checkout), set PARACHUTE_HUB_ORIGIN to its public URL, or add --stdio for a local connection that needs no hub`,
      );
      return EXIT.noHub;
    }
  }
  const server = flags.has("--stdio")
    ? {
        type: "stdio",
        command: io.self[0],
        args: [...io.self.slice(1), "mcp", "--vault", vault],
        env: { PARACHUTE_HOME: vaultsHome(io.env) },
      }
    : { type: "http", url: `${origin}/vault/${vault}/mcp` };
  io.print(JSON.stringify({ mcpServers: { [`parachute-vault-${vault}`]: server } }, null, 2));
  return EXIT.ok;
}

/** Positionals and flags; `valued` flags take a value (`--vault x` or `--vault=x`). */
function parse(argv: string[], valued: string[], booleans: string[]) {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    if (valued.includes(flag)) {
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
      flags.set(flag, value);
    } else if (booleans.includes(flag) && eq < 0) {
      flags.set(flag, "");
    } else {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
  return { positional, flags };
}
