import type { OperationEvent, OperationView } from "../api-types.ts";
import { printable } from "../platform/printable.ts";
import type { HubClient } from "./hub-client.ts";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** Where progress goes: a terminal (one line redrawn in place) or anything else (plain lines). */
export interface ProgressOut {
  tty: boolean;
  columns: number;
  write(text: string): void;
}

/**
 * Shows an operation's progress. On a terminal, one status line is redrawn: a spinner, the current
 * step and the latest log line; finished steps stay above it. Elsewhere every step and log line is
 * printed as a plain line, so logs and CI output read well.
 */
export class ProgressDisplay {
  private frame = 0;
  private step = "";
  private open = false;

  constructor(private readonly out: ProgressOut) {}

  event(raw: OperationEvent): void {
    const e = { ...raw, message: printable(raw.message), step: raw.step && printable(raw.step) };
    if (!this.out.tty) {
      this.out.write(e.type === "step" ? `${e.step}: ${e.message}\n` : `  ${e.message}\n`);
      return;
    }
    if (e.type === "step") {
      if (this.open) this.out.write(`\r\x1b[2K✓ ${this.step}\n`);
      this.step = e.message;
    }
    const log = e.type === "log" ? `  ${e.message}` : "";
    const line = `${FRAMES[this.frame++ % FRAMES.length]} ${this.step}${log}`;
    this.out.write(`\r\x1b[2K${line.slice(0, Math.max(this.out.columns - 1, 20))}`);
    this.open = true;
  }

  /** Ends the display: the last step is marked done or failed, and the cursor is left on a new line. */
  end(ok: boolean): void {
    if (this.out.tty && this.open) this.out.write(`\r\x1b[2K${ok ? "✓" : "✗"} ${this.step}\n`);
    this.open = false;
  }
}

/** Starts an operation through the hub client and shows its progress until it ends. */
export async function followOperation(
  client: HubClient,
  out: ProgressOut,
  path: string,
  body: unknown,
  stop?: Promise<void>,
): Promise<OperationView> {
  const display = new ProgressDisplay(out);
  try {
    const view = await client.operate(path, body, (e) => display.event(e), stop);
    display.end(true);
    return view;
  } catch (err) {
    display.end(false);
    throw err;
  }
}
