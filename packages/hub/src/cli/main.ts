import { HubError } from "../errors.ts";
import { printable } from "../platform/printable.ts";
import { nearest } from "../platform/suggest.ts";
import { cliName, runnable } from "./cli-name.ts";
import { auth } from "./commands/auth.ts";
import { backup, restore } from "./commands/backup.ts";
import { doctor } from "./commands/doctor.ts";
import { expose } from "./commands/expose.ts";
import { help, USAGE, version } from "./commands/help.ts";
import { initCommand } from "./commands/init.ts";
import { install, uninstall, upgrade } from "./commands/install.ts";
import { lifecycle } from "./commands/lifecycle.ts";
import { logs } from "./commands/logs.ts";
import { serve } from "./commands/serve.ts";
import { status } from "./commands/status.ts";
import { token } from "./commands/token.ts";
import { CliError, EXIT, exitFor } from "./exit-codes.ts";
import { HubClient } from "./hub-client.ts";
import type { CliIo, Command } from "./io.ts";

const COMMANDS: Record<string, Command> = {
  serve,
  status,
  doctor,
  start: lifecycle("start"),
  stop: lifecycle("stop"),
  restart: lifecycle("restart"),
  logs,
  install,
  upgrade,
  uninstall,
  token,
  auth,
  backup,
  restore,
  init: initCommand(process.platform),
  expose,
  help,
  "--help": help,
  "-h": help,
  version,
  "--version": version,
};

/** Runs one CLI invocation and returns its exit code; errors are rendered here, once. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    if (!name) {
      io.printErr(USAGE);
      return EXIT.usage;
    }
    const guess = nearest(
      name,
      Object.keys(COMMANDS).filter((c) => !c.startsWith("-")),
    );
    const hint = guess ? `; did you mean ${guess}?` : "";
    io.printErr(`unknown command "${name}"${hint} (${cliName(io.env)} help lists them)`);
    return EXIT.usage;
  }
  try {
    return await command(rest, io);
  } catch (err) {
    if (err instanceof CliError || err instanceof HubError) {
      io.printErr(`parachute ${name}: ${runnable(err.message, io.env)}`);
      return err instanceof CliError ? err.exitCode : exitFor(err.kind);
    }
    io.printErr(`parachute ${name}: ${(err as Error).stack ?? err}`);
    return EXIT.failed;
  }
}

/** The process edge: real output, environment and signals. The only place that exits. */
export async function main(): Promise<never> {
  const interrupted = new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
    process.once("SIGHUP", () => resolve());
  });
  const io: CliIo = {
    // What the hub or a module wrote never reaches the terminal as escape sequences.
    print: (t) => process.stdout.write(`${printable(t, true)}\n`),
    printErr: (t) => process.stderr.write(`${printable(t, true)}\n`),
    env: process.env,
    cwd: process.cwd(),
    client: () => new HubClient(process.env),
    terminal: {
      tty: process.stdout.isTTY === true,
      columns: process.stdout.columns ?? 80,
      write: (t) => process.stdout.write(t),
    },
    readSecret: async (prompt) => {
      if (process.stdin.isTTY) process.stderr.write(prompt);
      const text = await Bun.stdin.text();
      return text.split(/\r?\n/)[0] ?? "";
    },
    interrupted,
  };
  const code = await runCli(process.argv.slice(2), io);
  process.exit(code);
}
