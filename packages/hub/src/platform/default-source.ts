import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { HttpError } from "@parachute/module-kit";
import { type ModuleSource, parseSource } from "../modules/installer.ts";

const NPM = "https://registry.npmjs.org/";

/**
 * The module source used when a request names none: `PARACHUTE_MODULE_SOURCE` if set; in a source
 * checkout, its own workspace modules packed into `dist/modules` (packed on first use, so a checkout
 * installs offline); otherwise npm's registry.
 */
export function defaultSource(env: Record<string, string | undefined>): () => Promise<ModuleSource> {
  const root = join(import.meta.dir, "..", "..", "..", "..");
  const packer = join(root, "scripts", "pack-modules.ts");
  return async () => {
    if (env.PARACHUTE_MODULE_SOURCE) return parseSource(env.PARACHUTE_MODULE_SOURCE);
    if (!existsSync(packer)) return { kind: "registry", url: NPM };
    const dir = join(root, "dist", "modules");
    if (!existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith(".tgz"))) {
      const pack = Bun.spawn([process.execPath, packer, "--out", dir], { stdout: "ignore", stderr: "pipe" });
      if ((await pack.exited) !== 0) {
        throw new HttpError(
          500,
          "pack_failed",
          `packing the checkout's modules failed: ${await new Response(pack.stderr).text()}`,
        );
      }
    }
    return { kind: "folder", dir };
  };
}
