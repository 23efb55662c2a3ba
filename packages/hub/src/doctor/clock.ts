import { type CheckResult, ok, warn } from "./check.ts";

/** Beyond this, tokens the hub issues can look not yet valid, or already expired, to their readers. */
const SKEW_MS = 10_000;
/** An operator token issued this far in the future means the clock went back since. */
const BACKWARDS_MS = 60_000;

/**
 * Compares this machine's time with the running hub's (the Date header of its /health, whole
 * seconds) and with when the hub issued the operator token. Offline: nothing outside is asked.
 */
export function judgeClock(now: number, hubDate: string | null, tokenIatS: number | null): CheckResult {
  const fix =
    "set the clock right and keep it synchronised (timedatectl set-ntp true, or the platform's time service)";
  if (tokenIatS !== null && tokenIatS * 1000 - now > BACKWARDS_MS)
    return warn(
      "clock",
      `the clock reads ${new Date(now).toISOString()}, earlier than when the hub issued the operator token (${new Date(tokenIatS * 1000).toISOString()}); it went back`,
      fix,
    );
  const hub = hubDate ? Date.parse(hubDate) : Number.NaN;
  if (Number.isNaN(hub))
    return ok("clock", `local time ${new Date(now).toISOString()} (no hub clock to compare with)`);
  const skew = hub - now;
  if (Math.abs(skew) > SKEW_MS)
    return warn(
      "clock",
      `the hub's clock is ${Math.round(Math.abs(skew) / 1000)} s ${skew > 0 ? "ahead of" : "behind"} this machine's`,
      fix,
    );
  return ok("clock", "the hub's clock agrees with this machine's");
}
