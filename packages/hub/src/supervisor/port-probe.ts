import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { printable } from "../platform/printable.ts";

/**
 * Checks that nothing listens on 127.0.0.1:`port`. Returns null when free, else a description of the
 * squatter (pid and command where the OS tells). It never signals the squatter.
 */
export async function findSquatter(port: number): Promise<string | null> {
  try {
    const probe = Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } });
    probe.stop(true);
    return null;
  } catch {
    const owner = ownerOfPort(port);
    return owner
      ? `port ${port} is in use by pid ${owner.pid} (${printable(owner.command).slice(0, 120)})`
      : `port ${port} is in use by another process`;
  }
}

/** Linux only: maps a listening port to its process through /proc; null elsewhere or when hidden. */
function ownerOfPort(port: number): { pid: number; command: string } | null {
  const inodes = new Set<string>();
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[1]?.endsWith(`:${hex}`) && cols[3] === "0A") inodes.add(cols[9]!);
    }
  }
  if (inodes.size === 0) return null;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) {
          const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
          return { pid: Number(pid), command: command.slice(0, 200) || "unknown command" };
        }
      } catch {
        // The process went away or is not ours to read.
      }
    }
  }
  return null;
}

/** Resident memory of every process in a process group, in MB (Linux; 0 where /proc is absent). */
export function groupRssMb(pgid: number): number {
  let pages = 0;
  let dirs: string[];
  try {
    dirs = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  for (const pid of dirs) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      pages += Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]);
    } catch {
      // Exited between listing and reading.
    }
  }
  return Math.round((pages * 4096) / (1024 * 1024));
}
