import { describe, expect, test } from "bun:test";
import type { OperationEvent } from "../api-types.ts";
import { ProgressDisplay } from "./progress.ts";

let seq = 0;
const step = (name: string, message: string): OperationEvent => ({
  seq: ++seq,
  at: "2026-01-01T00:00:00.000Z",
  type: "step",
  step: name,
  message,
});
const log = (message: string): OperationEvent => ({
  seq: ++seq,
  at: "2026-01-01T00:00:00.000Z",
  type: "log",
  message,
});

function render(tty: boolean, events: OperationEvent[], ok: boolean, columns = 80): string {
  let text = "";
  const display = new ProgressDisplay({ tty, columns, write: (t) => (text += t) });
  for (const e of events) display.event(e);
  display.end(ok);
  return text;
}

const EVENTS = [step("fetch", "fetching vault"), log("bun add v1"), step("start", "starting vault")];

describe("the CLI's progress display", () => {
  test("without a terminal, every step and log line is a plain line", () => {
    expect(render(false, EVENTS, true)).toBe("fetch: fetching vault\n  bun add v1\nstart: starting vault\n");
  });

  test("on a terminal, one line is redrawn in place and finished steps stay above it", () => {
    const out = render(true, EVENTS, true);
    expect(out).toContain("\r\x1b[2K✓ fetching vault\n");
    expect(out).toContain("fetching vault  bun add v1");
    expect(out.endsWith("\r\x1b[2K✓ starting vault\n")).toBe(true);
    expect(out.split("\n")).toHaveLength(3);
  });

  test("a failed operation marks its last step with ✗", () => {
    expect(render(true, EVENTS, false).endsWith("\r\x1b[2K✗ starting vault\n")).toBe(true);
  });

  test("the status line is cut to the terminal's width", () => {
    const out = render(true, [step("fetch", "x".repeat(200))], true, 40);
    const redraws = out.split("\r\x1b[2K").filter(Boolean);
    expect(redraws[0]!.length).toBeLessThanOrEqual(39);
  });
});
