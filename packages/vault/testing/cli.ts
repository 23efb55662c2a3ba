import { join } from "node:path";
import { type ProgramResult, runProgram } from "@parachute/module-kit/testing";

/** The vault's entry point: the module the hub starts, and `parachute-vault <command>`. */
export const VAULT_MAIN = join(import.meta.dir, "..", "src", "main.ts");

/** Runs `parachute-vault <args>` as a real process on `home`, to its end. */
export function runVault(
  home: string,
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string } = {},
): Promise<ProgramResult> {
  return runProgram([process.execPath, VAULT_MAIN, ...args], { PARACHUTE_HOME: home, ...opts.env }, opts.cwd);
}
