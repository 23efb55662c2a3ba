import { checkoutRoot } from "../platform/checkout.ts";

/**
 * How the person at the keyboard runs this CLI, for messages that tell them a command to type:
 * `npx parachute` in a source checkout (where `parachute` is not on the PATH), else `parachute`.
 */
export function cliName(env: Record<string, string | undefined>): string {
  return checkoutRoot(env) ? "npx parachute" : "parachute";
}

/**
 * A message with the commands it names (in a usage line, or in backticks, as the hub writes them)
 * spelled as the user runs this CLI.
 */
export function runnable(message: string, env: Record<string, string | undefined>): string {
  const name = cliName(env);
  return name === "parachute" ? message : message.replace(/(usage: |`)parachute /g, `$1${name} `);
}
