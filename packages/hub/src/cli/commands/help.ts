import { HUB_VERSION } from "../../version.ts";
import { EXIT } from "../exit-codes.ts";
import type { Command } from "../io.ts";

export const USAGE = `parachute — the hub of a personal computer in one process group

usage: parachute <command> [options]

  serve [--port N]            run the hub in the foreground (port: --port, else PORT, else 1939)
  status [--json]             the hub and every module with its state
  doctor [--json] [--port N]  check the installation and say what to fix (exit 1 if a check fails)
  start <module>              start a module and wait until it is active
  stop <module>               stop a module (it stays stopped across hub restarts)
  restart <module>            restart a module and wait until it is active
  logs <module> [-f] [-n N]   the last N log lines (default 50); -f keeps following
  install <module|package|dir|tarball> [--source <url|dir>]
                              install a catalog module (vault, notes, scribe, runner; vault@beta
                              for a channel), a registry package, or a local package (a path)
  upgrade <module> [--version <version|channel>]
                              upgrade a module; its data is backed up and restored if the new
                              version does not start
  upgrade hub [--version <version>]
                              install a newer hub into the home and restart onto it
  uninstall <module> [--purge]
                              stop and remove a module; its data folder is kept unless --purge
  token create --scope "<scopes>" [--ttl 30d] [--aud <module>] [--label <text>]
                              print a new hub token (e.g. --scope hub:admin, vault:write)
  token list [--json]         tokens issued and not yet expired
  token revoke <jti>          revoke a token
  auth set-password           set the admin password (read from stdin)
  auth unlock                 lift login and setup throttles (after failed attempts locked the admin out)
  auth 2fa enroll | confirm <code> | disable
                              turn the admin's two-factor login on or off
  backup [--out <file>]       write one archive of the home (hub.db, vaults, module data, the
                              modules' lockfile) while everything keeps running
  restore <file> [--force]    bring this home to a backup's state (hub stopped; --force replaces
                              a home that holds something, keeping it aside)
  init [--uninstall]          run the hub as a service that survives reboots (systemd user unit on
                              Linux, launchd agent on macOS); --uninstall stops and removes it
  expose tailnet|public [off] publish the hub over HTTPS: tailnet (tailscale serve) or public
                              (tailscale funnel, else a cloudflared quick tunnel); off undoes it
  help                        this text
  version                     the hub's version

environment: PARACHUTE_HOME (default ~/.parachute), PORT, PARACHUTE_BIND_HOST, PARACHUTE_HUB_ORIGIN,
  PARACHUTE_ALLOWED_HOSTS, PARACHUTE_SETUP_TOKEN, PARACHUTE_MODULE_SOURCE
exit codes: 0 ok, 1 failed, 2 usage, 3 hub unreachable, 4 unauthorized, 5 not found, 6 rejected, 7 bad state`;

export const help: Command = async (_argv, io) => {
  io.print(USAGE);
  return EXIT.ok;
};

export const version: Command = async (_argv, io) => {
  io.print(HUB_VERSION);
  return EXIT.ok;
};
