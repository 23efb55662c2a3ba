/** The first port of Parachute's canonical range (1939–1949), the hub's. */
const CANONICAL_FIRST = 1939;

/** How the hub picks a new module's port: from the canonical range, or whatever the system gives. */
export type PortMode = "canonical" | "system";

/** `PARACHUTE_MODULE_PORTS=system` lets the system choose (several hubs on one machine, the tests). */
export function portMode(env: Record<string, string | undefined>): PortMode {
  return env.PARACHUTE_MODULE_PORTS === "system" ? "system" : "canonical";
}

/**
 * Picks a module's port. Canonical: its preferred one when nothing claims it, else the first free
 * port of the canonical range after the hub's, else the next free port above the range. System: a
 * free port drawn at random below the ephemeral range, so hubs side by side rarely reach for the same one.
 */
export async function assignPort(
  preferred: number,
  taken: Set<number>,
  isFree: (port: number) => Promise<boolean>,
  mode: PortMode = "canonical",
): Promise<number> {
  const usable = async (p: number) => p !== CANONICAL_FIRST && !taken.has(p) && (await isFree(p));
  if (mode === "system") {
    for (let i = 0; i < 50; i++) {
      const p = systemPort();
      if (await usable(p)) return p;
    }
    throw new Error("the system gave no free port for the module");
  }
  if (await usable(preferred)) return preferred;
  for (let p = CANONICAL_FIRST + 1; p <= 65535; p++) {
    if (await usable(p)) return p;
  }
  throw new Error("no free port for the module");
}

/**
 * Where system-mode ports are drawn from: below the operating systems' ephemeral ranges (Linux
 * 32768–60999, macOS 49152–65535), so an outgoing connection never takes a port between the probe
 * and the module's own bind; wide enough that hubs side by side rarely draw the same one.
 */
const SYSTEM_RANGE = { first: 20000, last: 32767 };

/** A random port of the system range; `usable` then probes that nothing listens on it. */
function systemPort(): number {
  return SYSTEM_RANGE.first + Math.floor(Math.random() * (SYSTEM_RANGE.last - SYSTEM_RANGE.first + 1));
}
