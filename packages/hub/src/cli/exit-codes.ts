import type { HubErrorKind } from "../errors.ts";

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
    /** The hub's error code, when the hub refused. */
    readonly code?: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

const EXIT_FOR_KIND: Record<HubErrorKind, ExitCode> = {
  invalid: EXIT.rejected,
  conflict: EXIT.rejected,
  too_large: EXIT.rejected,
  unprocessable: EXIT.rejected,
  unauthorized: EXIT.unauthorized,
  forbidden: EXIT.unauthorized,
  not_found: EXIT.notFound,
  unusable: EXIT.badState,
  throttled: EXIT.failed,
  failed: EXIT.failed,
  upstream: EXIT.failed,
  unavailable: EXIT.failed,
  storage_full: EXIT.failed,
};

/** The exit code for a hub error raised in the CLI's own process (`serve` refusing to start, say). */
export function exitFor(kind: HubErrorKind): ExitCode {
  return EXIT_FOR_KIND[kind];
}
