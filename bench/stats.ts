/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface Row {
  what: string;
  figure: string;
  target: string;
  ok: boolean;
}

/** Prints rows as a table of figure vs target. */
export function printTable(title: string, rows: Row[]): void {
  const all = [
    ["what", "figure", "target", "meets"],
    ...rows.map((r) => [r.what, r.figure, r.target, r.ok ? "yes" : "NO"]),
  ];
  const widths = all[0]!.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  console.log(`\n${title}`);
  for (const [i, r] of all.entries()) {
    console.log(r.map((c, j) => c.padEnd(widths[j]!)).join("  "));
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
}

/** Resident memory of a process in MB, from /proc. */
export function rssMb(pid: number): number {
  try {
    const pages = Number(require("node:fs").readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]);
    return (pages * 4096) / 1048576;
  } catch {
    return 0;
  }
}
