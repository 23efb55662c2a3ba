import { resolve } from "node:path";
import { restoreBackup } from "../../backup/restore.ts";
import { writeBackup } from "../../backup/write-backup.ts";
import { resolveHome } from "../../platform/home.ts";
import { processAlive, readRuntime } from "../../platform/runtime-file.ts";
import { HUB_VERSION } from "../../version.ts";
import { parseArgs } from "../args.ts";
import { cliName } from "../cli-name.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import type { Command } from "../io.ts";

const size = (bytes: number) =>
  bytes < 1048576 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1048576).toFixed(1)} MB`;

/**
 * `parachute backup [--out <file>]`: one archive of the home, taken while the hub and its modules
 * keep running (docs/contracts/backup.md). Written here, not through the hub: it needs only the home.
 */
export const backup: Command = async (argv, io) => {
  const args = parseArgs(argv, ["--out"], []);
  if (args.positional.length) throw new CliError(EXIT.usage, "usage: parachute backup [--out <file>]");
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  const out = resolve(
    io.cwd,
    (args.flags.get("--out") as string | undefined) ?? `parachute-backup-${stamp}.tar.gz`,
  );
  const home = resolveHome(io.env);
  if (!readRuntime(home.runtime) && !(await Bun.file(home.hubDb).exists()))
    throw new CliError(EXIT.badState, `${home.root} holds no Parachute home to back up`);
  const { bytes, manifest } = await writeBackup(home, out, HUB_VERSION);
  const modules = manifest.modules.map((m) => `${m.short} ${m.version}`).join(", ") || "no modules";
  io.print(`backed up ${home.root} to ${out} (${size(bytes)}; ${manifest.files.length} files; ${modules})`);
  return EXIT.ok;
};

/**
 * `parachute restore <file> [--force]`: brings this home to the state of a backup, with the hub
 * stopped. Refuses a home that holds something unless --force, and a damaged archive always.
 */
export const restore: Command = async (argv, io) => {
  const args = parseArgs(argv, [], ["--force"]);
  const [file, ...rest] = args.positional;
  if (!file || rest.length) throw new CliError(EXIT.usage, "usage: parachute restore <file> [--force]");
  const home = resolveHome(io.env);
  const running = readRuntime(home.runtime);
  if (running && processAlive(running.pid))
    throw new CliError(
      EXIT.badState,
      `a hub (pid ${running.pid}) is serving ${home.root}; stop it first, or restore from the admin app's Hub page`,
    );
  const summary = await restoreBackup(resolve(io.cwd, file), home, {
    force: args.flags.get("--force") === true,
    hubVersion: HUB_VERSION,
    env: io.env,
    log: io.print,
  });
  const modules = summary.manifest.modules.map((m) => `${m.short} ${m.version}`).join(", ") || "no modules";
  io.print(`restored ${home.root} from the backup of ${summary.manifest.created_at} (${modules})`);
  if (summary.replaced) io.print(`what the home held before is in ${summary.replaced}`);
  io.print(`start it with \`${cliName(io.env)} serve\``);
  return EXIT.ok;
};
