import { readFileSync } from "node:fs";

/** The addresses listening on `port` (IPv4), from /proc: `0.0.0.0` or `127.0.0.1`. */
export function listeningOn(port: number): string[] {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  return readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(`:${hex}`) && f[3] === "0A")
    .map((f) => {
      const ip = f[1]!.split(":")[0]!;
      return [3, 2, 1, 0].map((i) => Number.parseInt(ip.slice(i * 2, i * 2 + 2), 16)).join(".");
    });
}
