const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * The one duration grammar of Parachute (token lifetimes, timeouts, windows): a whole number with a
 * unit, `90s`, `15m`, `12h`, `30d`, or a bare number of seconds. Returns seconds, or null when `raw`
 * is not one.
 */
export function parseDuration(raw: string): number | null {
  const m = /^(\d{1,7})([smhd]?)$/.exec(raw.trim());
  if (!m) return null;
  return Number(m[1]) * UNIT_S[m[2] || "s"]!;
}
