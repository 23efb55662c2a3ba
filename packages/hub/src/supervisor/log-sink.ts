import { appendFileSync, existsSync, mkdirSync, renameSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { printable } from "../platform/printable.ts";

export interface LogOptions {
  dir: string;
  maxBytes: number;
  keep: number;
  tailLines: number;
  /** Where prefixed lines go for the operator watching the hub; the hub's stdout in production. */
  echo: (line: string) => void;
}

export const DEFAULT_LOG_OPTIONS = { maxBytes: 10 * 1024 * 1024, keep: 5, tailLines: 1000 };

type Listener = (line: string) => void;

/**
 * One module's log: each line is echoed as `[<short>] line`, appended to `logs/<short>.log`
 * (rotated by size into .1 … .keep), and kept in an in-memory tail for the API.
 */
export class ModuleLog {
  private readonly file: string;
  private readonly tail: string[] = [];
  private size: number;
  private readonly listeners = new Set<Listener>();

  constructor(
    readonly short: string,
    private readonly opts: LogOptions,
  ) {
    mkdirSync(opts.dir, { recursive: true });
    this.file = join(opts.dir, `${short}.log`);
    this.size = existsSync(this.file) ? statSync(this.file).size : 0;
  }

  /** Records a batch of complete lines, each made printable first. */
  write(raw: string[]): void {
    if (raw.length === 0) return;
    const lines = raw.map((line) => printable(line));
    for (const line of lines) {
      this.opts.echo(`[${this.short}] ${line}`);
      this.tail.push(line);
      for (const l of this.listeners) l(line);
    }
    if (this.tail.length > this.opts.tailLines) this.tail.splice(0, this.tail.length - this.opts.tailLines);
    const text = `${lines.join("\n")}\n`;
    if (this.size + text.length > this.opts.maxBytes) this.rotate();
    appendFileSync(this.file, text);
    this.size += Buffer.byteLength(text);
  }

  /** The last `n` lines held in memory. */
  last(n: number): string[] {
    return this.tail.slice(-n);
  }

  /** Calls `fn` for every new line until the returned function is called. */
  follow(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private rotate(): void {
    const oldest = `${this.file}.${this.opts.keep}`;
    if (existsSync(oldest)) unlinkSync(oldest);
    for (let i = this.opts.keep - 1; i >= 1; i--) {
      if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    }
    if (existsSync(this.file)) renameSync(this.file, `${this.file}.1`);
    this.size = 0;
  }
}

/** The longest log line kept whole (docs/product.md); a longer one is cut and marked. */
export const MAX_LINE = 16 * 1024;
const CUT = " [… cut: line longer than 16 KB]";

/**
 * Splits a byte stream into lines, calling `emit` with each batch of complete lines. Work is linear
 * in the input and memory bounded: a line is cut at MAX_LINE characters and the rest of it, up to
 * the next newline, dropped — one huge line can neither stall the hub nor overrun the log cap.
 */
export async function pumpLines(stream: ReadableStream<Uint8Array>, emit: (lines: string[]) => void) {
  const decoder = new TextDecoder();
  let rest = "";
  let dropping = false;
  const reader = stream.getReader();
  const take = (piece: string, out: string[], complete: boolean) => {
    if (dropping) {
      if (complete) dropping = false;
      return;
    }
    const line = rest + piece;
    rest = "";
    if (line.length > MAX_LINE) {
      out.push(line.slice(0, MAX_LINE) + CUT);
      dropping = !complete;
    } else if (complete) out.push(line.endsWith("\r") ? line.slice(0, -1) : line);
    else rest = line;
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const text = decoder.decode(value, { stream: true });
    const out: string[] = [];
    let from = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", from)) {
      take(text.slice(from, nl), out, true);
      from = nl + 1;
    }
    take(text.slice(from), out, false);
    if (out.length) emit(out);
  }
  if (rest && !dropping) emit([rest]);
}
