import { resolveHome } from "../../platform/home.ts";
import { newerInstalledHub } from "../../platform/hub-versions.ts";
import { bindHost } from "../../platform/origin.ts";
import { serve as startHub } from "../../serve.ts";
import { HUB_VERSION } from "../../version.ts";
import { parseArgs } from "../args.ts";
import { cliName } from "../cli-name.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import { serveUnderInit } from "../init-process.ts";
import type { Command } from "../io.ts";
import { CHILD_FLAG, EXIT_RESTART, fallBack, parentGone, runInstalledHub } from "../launcher.ts";

/** Port from --port, else PORT, else 1939 (0 picks a free one). */
function choosePort(flag: string | true | undefined, env: Record<string, string | undefined>): number {
  const raw = typeof flag === "string" ? flag : env.PORT || "1939";
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(EXIT.usage, `"${raw}" is not a port`);
  return port;
}

/**
 * `parachute serve [--port N]`: runs the hub in the foreground until SIGTERM/SIGINT. When a newer
 * hub was installed into the home (`parachute upgrade hub`), that one runs, as a child of this
 * process; after an upgrade the hub stops and the next version starts on the same port. A version
 * that fails to start is replaced by the one before it.
 */
export const serve: Command = async (argv, io) => {
  const args = parseArgs(argv, ["--port"], []);
  if (args.positional.length) throw new CliError(EXIT.usage, "usage: parachute serve [--port N]");
  const underInit = await serveUnderInit(io.env, io.interrupted);
  if (underInit !== null) return underInit;
  let port = choosePort(args.flags.get("--port"), io.env);
  const hostname = bindHost(io.env);
  const home = resolveHome(io.env);
  const isChild = io.env[CHILD_FLAG] === "1";
  // The hub stops with whatever started it: a signal, or its parent (npx, a launcher) going away.
  const stop = Promise.race([io.interrupted, parentGone()]);
  let stopping = false;
  void stop.then(() => {
    stopping = true;
  });

  while (!stopping) {
    const installed = isChild ? null : newerInstalledHub(home.root, HUB_VERSION);
    if (installed) {
      const { code, booted } = await runInstalledHub(installed, port, io.env, stop);
      if (code === EXIT_RESTART) continue;
      // A home the hub cannot use (exit 7: corrupt files, port taken) is not the version's fault.
      if (booted || stopping || code === EXIT.badState) return code;
      const back = fallBack(home, installed);
      io.printErr(
        `hub ${installed.version} did not start (exit ${code}); going back to ${back?.version ?? HUB_VERSION}`,
      );
      continue;
    }
    let restart = false;
    let restarted!: () => void;
    const restartAsked = new Promise<void>((r) => {
      restarted = r;
    });
    const hub = await startHub({
      port,
      hostname,
      env: io.env,
      echo: io.print,
      onRestart: () => {
        restart = true;
        restarted();
      },
    });
    port = hub.server.port ?? port;
    await Promise.race([stop, restartAsked]);
    await hub.shutdown();
    if (!restart) return EXIT.ok;
    if (hub.hub.ops.busy()) {
      // This process still runs an operation of the old hub; a new hub beside it could conflict.
      io.printErr(
        `an operation was still running at the restart; run \`${cliName(io.env)} serve\` again to continue`,
      );
      return EXIT.failed;
    }
    if (isChild) return EXIT_RESTART;
  }
  return EXIT.ok;
};
