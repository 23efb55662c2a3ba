import { appendFileSync, existsSync, mkdirSync, renameSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";

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

  /** Records a batch of complete lines. */
  write(lines: string[]): void {
    if (lines.length === 0) return;
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

/** Splits a byte stream into lines, calling `emit` with each batch of complete lines. */
export async function pumpLines(stream: ReadableStream<Uint8Array>, emit: (lines: string[]) => void) {
  const decoder = new TextDecoder();
  let rest = "";
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += decoder.decode(value, { stream: true });
    const parts = rest.split("\n");
    rest = parts.pop() ?? "";
    emit(parts.map((l) => l.replace(/\r$/, "")));
  }
  if (rest) emit([rest]);
}
