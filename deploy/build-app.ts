/**
 * Lays out the container's application folder from this checkout. deploy/Dockerfile runs it in its
 * build stage, and the deploy tests run it outside Docker:
 *
 *   bun deploy/build-app.ts <out>
 *
 *   <out>/packages/        every module and the hub, packed (scripts/pack-modules.ts): the source the
 *                          hub installs modules from at runtime (PARACHUTE_MODULE_SOURCE)
 *   <out>/hub/             the hub's own package, unpacked
 *   <out>/bin/parachute    the command, on the image's PATH
 *   <out>/entrypoint.sh    the container's entrypoint; <out>/healthcheck.ts its health check
 */
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = join(import.meta.dir, "..");
const outArg = process.argv[2];
if (!outArg) {
  console.error("usage: bun deploy/build-app.ts <out>");
  process.exit(2);
}
const out = resolve(outArg);

function run(argv: string[]): void {
  const r = Bun.spawnSync(argv, { stdout: "inherit", stderr: "inherit" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} exited with ${r.exitCode}`);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "bin"), { recursive: true });
const packages = join(out, "packages");
run([process.execPath, join(root, "scripts", "pack-modules.ts"), "--out", packages]);

const hubTarball = readdirSync(packages).find((f) => /^parachute-hub-\d.*\.tgz$/.test(f));
if (!hubTarball) throw new Error(`no hub tarball in ${packages}`);
mkdirSync(join(out, "hub"));
run(["tar", "-xzf", join(packages, hubTarball), "-C", join(out, "hub"), "--strip-components=1"]);

/**
 * The hub's command line in the image. Run as root (a shell opened with `fly ssh console`), it runs as
 * the hub's user, so what it writes in the home (a backup, a token) stays the hub's and it sees the
 * home as the hub does.
 */
const COMMAND = `#!/bin/sh
cli="$(dirname "$0")/../hub/dist/parachute.js"
user="\${PARACHUTE_USER:-parachute}"
if [ "$(id -u)" = 0 ] && id "$user" >/dev/null 2>&1 && [ "$(id -u "$user")" != 0 ]; then
  export HOME="\${PARACHUTE_HOME:-$HOME}"
  exec setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- bun "$cli" "$@"
fi
exec bun "$cli" "$@"
`;
const command = join(out, "bin", "parachute");
writeFileSync(command, COMMAND);
chmodSync(command, 0o755);
for (const file of ["entrypoint.sh", "healthcheck.ts"])
  copyFileSync(join(import.meta.dir, file), join(out, file));
chmodSync(join(out, "entrypoint.sh"), 0o755);
console.log(`app laid out in ${out}`);
