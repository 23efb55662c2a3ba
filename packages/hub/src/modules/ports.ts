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
 * free port the operating system hands out, so hubs side by side never reach for the same one.
 */
export async function assignPort(
  preferred: number,
  taken: Set<number>,
  isFree: (port: number) => Promise<boolean>,
  mode: PortMode = "canonical",
): Promise<number> {
  const usable = async (p: number) => p !== CANONICAL_FIRST && !taken.has(p) && (await isFree(p));
  if (mode === "system") {
    for (let i = 0; i < 20; i++) {
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

/** A port the system considers free right now (bound on loopback and let go). */
function systemPort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}
