import type { HubClient } from "./hub-client.ts";
import type { ProgressOut } from "./progress.ts";

/** What a command may touch: its output, the environment, and the hub's API. Nothing else. */
export interface CliIo {
  print(text: string): void;
  printErr(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
  client(): HubClient;
  /** Standard output as a progress display sees it: a terminal or not, its width, raw writes. */
  terminal: ProgressOut;
  /** Reads a secret: the first line of stdin (no echo is possible without a TTY, so pipe it in). */
  readSecret(prompt: string): Promise<string>;
  /** Resolves when the operator asks to stop (Ctrl-C / SIGTERM), for long-running verbs. */
  interrupted: Promise<void>;
}

export type Command = (argv: string[], io: CliIo) => Promise<number>;
