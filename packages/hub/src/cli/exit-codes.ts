/** The CLI's documented exit codes (docs/contracts/cli.md). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  hubUnreachable: 3,
  unauthorized: 4,
  notFound: 5,
  rejected: 6,
  badState: 7,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The CLI's one error type: a message for the operator and the exit code it maps to. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}
