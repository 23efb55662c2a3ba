import { parseArgs } from "../args.ts";
import { cliName } from "../cli-name.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import type { Command } from "../io.ts";

/** `parachute auth set-password | unlock | 2fa enroll | 2fa confirm <code> | 2fa disable`, for the admin account. */
export const auth: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  const client = io.client();
  if (sub === "set-password") {
    parseArgs(rest, [], []);
    const password = await io.readSecret("new admin password: ");
    await client.call("POST", "/api/account/password", { password });
    io.print("password changed; every session was logged out");
    return EXIT.ok;
  }
  if (sub === "unlock") {
    parseArgs(rest, [], []);
    const res = await client.call<{ cleared: number }>("POST", "/api/account/unlock", {});
    io.print(
      res.cleared
        ? "login and setup throttles cleared: the admin can log in again at once"
        : "nothing was throttled",
    );
    return EXIT.ok;
  }
  if (sub === "2fa") {
    const [verb, ...more] = rest;
    const args = parseArgs(more, [], []);
    if (verb === "enroll") {
      const res = await client.call<{ secret: string; uri: string }>("POST", "/api/account/2fa/enroll", {});
      io.print(`add this to your authenticator app:\n  ${res.uri}\n  (secret ${res.secret})`);
      io.print(`then run: ${cliName(io.env)} auth 2fa confirm <code from the app>`);
      return EXIT.ok;
    }
    if (verb === "confirm") {
      const code = args.positional[0];
      if (!code) throw new CliError(EXIT.usage, "usage: parachute auth 2fa confirm <code>");
      const res = await client.call<{ backupCodes: string[] }>("POST", "/api/account/2fa/confirm", { code });
      io.print("2FA is on. One-time backup codes (keep them somewhere safe; they are not shown again):");
      for (const c of res.backupCodes) io.print(`  ${c}`);
      return EXIT.ok;
    }
    if (verb === "disable") {
      await client.call("POST", "/api/account/2fa/disable", {});
      io.print("2FA is off");
      return EXIT.ok;
    }
  }
  throw new CliError(
    EXIT.usage,
    "usage: parachute auth set-password | unlock | 2fa enroll | 2fa confirm <code> | 2fa disable",
  );
};
