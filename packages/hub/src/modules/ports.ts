/** The first port of Parachute's canonical range (1939–1949), the hub's. */
const CANONICAL_FIRST = 1939;

/**
 * Picks a module's port: its preferred one when nothing claims it, else the first free port of the
 * canonical range after the hub's, else the next free port above the range.
 */
export async function assignPort(
  preferred: number,
  taken: Set<number>,
  isFree: (port: number) => Promise<boolean>,
): Promise<number> {
  const usable = async (p: number) => p !== CANONICAL_FIRST && !taken.has(p) && (await isFree(p));
  if (await usable(preferred)) return preferred;
  for (let p = CANONICAL_FIRST + 1; p <= 65535; p++) {
    if (await usable(p)) return p;
  }
  throw new Error("no free port for the module");
}
