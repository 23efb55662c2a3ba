import { CliError, EXIT } from "./exit-codes.ts";

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

/**
 * Splits argv into positionals and flags. `valued` lists the flags that take a value
 * (`--port 80`, `--port=80`, `-n 5`); any other flag is boolean. An unknown flag is a usage error.
 */
export function parseArgs(argv: string[], valued: string[], booleans: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    if (valued.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new CliError(EXIT.usage, `${name} needs a value`);
      flags.set(name, value);
    } else if (booleans.includes(name) && inline === undefined) {
      flags.set(name, true);
    } else {
      throw new CliError(EXIT.usage, `unknown option ${name}`);
    }
  }
  return { positional, flags };
}
