import type { FileSink } from "bun";

/**
 * The orphan guard: a tiny `sh` in its own session that the hub feeds `+<pgid>` / `-<pgid>` lines
 * over a pipe. When the pipe closes — the hub exited, however it died, even by SIGKILL — it sends
 * SIGTERM and then SIGKILL to every module process group still listed. The script is a constant;
 * only validated digits ever travel over the pipe, as data.
 */
const SCRIPT = `
trap '' INT TERM HUP
groups=" "
while IFS= read -r line; do
  n=\${line#?}
  case "$n" in ''|*[!0-9]*) continue ;; esac
  case "$line" in
    +*) groups="$groups$n " ;;
    -*) next=" "; for g in $groups; do [ "$g" = "$n" ] || next="$next$g "; done; groups=$next ;;
  esac
done
live=""
for g in $groups; do kill -TERM "-$g" 2>/dev/null && live="$live $g"; done
[ -n "$live" ] || exit 0
sleep 1
for g in $live; do kill -KILL "-$g" 2>/dev/null; done
`;

export interface Watchdog {
  add(pgid: number): void;
  remove(pgid: number): void;
  /** Closes the pipe after a clean shutdown; the guard exits with nothing left to do. */
  close(): void;
}

export function startWatchdog(): Watchdog {
  const proc = Bun.spawn(["sh", "-c", SCRIPT], {
    stdin: "pipe",
    stdout: "ignore",
    stderr: "ignore",
    detached: true,
  });
  proc.unref();
  const sink = proc.stdin as FileSink;
  const send = (line: string) => {
    sink.write(`${line}\n`);
    sink.flush();
  };
  return {
    add: (pgid) => send(`+${Math.trunc(pgid)}`),
    remove: (pgid) => send(`-${Math.trunc(pgid)}`),
    close: () => {
      sink.end();
    },
  };
}
