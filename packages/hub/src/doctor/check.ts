/** How a check came out: fine, worth a look, or something the installation cannot work with. */
type CheckStatus = "ok" | "warn" | "fail";

/** One line of `parachute doctor`: what was checked, how it came out, and what to do about it. */
export interface CheckResult {
  /** A stable id: `home`, `disk`, `module:vault`, … */
  check: string;
  status: CheckStatus;
  message: string;
  /** What to do, for a warning or a failure; null when there is nothing to do. */
  fix: string | null;
}

export const ok = (check: string, message: string): CheckResult => ({
  check,
  status: "ok",
  message,
  fix: null,
});

export const warn = (check: string, message: string, fix: string): CheckResult => ({
  check,
  status: "warn",
  message,
  fix,
});

export const fail = (check: string, message: string, fix: string): CheckResult => ({
  check,
  status: "fail",
  message,
  fix,
});

/** A file's mode bits as `chmod` takes them (`0644`). */
export const octal = (mode: number): string => `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
