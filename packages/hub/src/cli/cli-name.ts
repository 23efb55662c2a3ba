import { checkoutRoot } from "../platform/checkout.ts";

/**
 * How the person at the keyboard runs this CLI, for messages that tell them a command to type:
 * `npx parachute` in a source checkout (where `parachute` is not on the PATH), else `parachute`.
 */
export function cliName(env: Record<string, string | undefined>): string {
  return checkoutRoot(env) ? "npx parachute" : "parachute";
}
