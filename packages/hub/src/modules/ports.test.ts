import { describe, expect, test } from "bun:test";
import { assignPort, portMode } from "./ports.ts";

const freeExcept = (busy: number[]) => async (p: number) => !busy.includes(p);

describe("assignPort", () => {
  test("canonical: the preferred port when free, else the first free one after the hub's", async () => {
    expect(await assignPort(1940, new Set(), freeExcept([]))).toBe(1940);
    expect(await assignPort(1940, new Set([1940]), freeExcept([]))).toBe(1941);
    expect(await assignPort(1940, new Set(), freeExcept([1940, 1941]))).toBe(1942);
    // Never the hub's own port, even when a manifest asks for it.
    expect(await assignPort(1939, new Set(), freeExcept([]))).toBe(1940);
  });

  test("canonical: past a full range, the next free port above it", async () => {
    const range = Array.from({ length: 10 }, (_, i) => 1940 + i);
    expect(await assignPort(1940, new Set(range), freeExcept([]))).toBe(1950);
  });

  test("system: a free port below the ephemeral range, never one taken by a module or another program", async () => {
    for (let i = 0; i < 50; i++) {
      const port = await assignPort(1940, new Set([20000]), freeExcept([20001]), "system");
      expect(port).toBeGreaterThanOrEqual(20002);
      expect(port).toBeLessThanOrEqual(32767);
    }
  });

  test("PARACHUTE_MODULE_PORTS=system selects it; anything else keeps the canonical range", () => {
    expect(portMode({ PARACHUTE_MODULE_PORTS: "system" })).toBe("system");
    expect(portMode({})).toBe("canonical");
    expect(portMode({ PARACHUTE_MODULE_PORTS: "nonsense" })).toBe("canonical");
  });
});
