import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * The source checkout this hub runs from, or null for an installed hub. A hub installed by an
 * upgrade is told its launcher's checkout (`PARACHUTE_CHECKOUT_ROOT`), so it keeps installing from it.
 */
export function checkoutRoot(env: Record<string, string | undefined>): string | null {
  const root = env.PARACHUTE_CHECKOUT_ROOT || join(import.meta.dir, "..", "..", "..", "..");
  return existsSync(join(root, "scripts", "pack-modules.ts")) ? root : null;
}
