import { randomBytes } from "node:crypto";
import type { OperationEvent, OperationKind, OperationState, OperationView } from "../api-types.ts";
import { HubError, type HubErrorKind } from "../errors.ts";

/** An operation as the hub keeps it; the HTTP edge turns its error into wire terms. */
export interface OperationRecord extends Omit<OperationView, "error"> {
  error?: { kind: HubErrorKind; code: string; message: string };
}

/** How a running operation reports progress. */
export interface Progress {
  step(step: string, message: string): void;
  log(line: string): void;
}

const MAX_EVENTS = 2_000;

/**
 * One operation's record: its events (kept, so a late follower sees them all) and its outcome.
 * Followers are told of every event and of the end.
 */
export class Operation implements Progress {
  readonly id = `op_${randomBytes(9).toString("base64url")}`;
  readonly createdAt = new Date().toISOString();
  state: OperationState = "queued";
  endedAt?: string;
  result?: unknown;
  error?: OperationRecord["error"];
  private readonly events: OperationEvent[] = [];
  private readonly followers = new Set<(e: OperationEvent | null) => void>();
  private openStreams = 0;
  private drainedWaiters: (() => void)[] = [];

  constructor(
    readonly kind: OperationKind,
    readonly module: string,
  ) {}

  step(step: string, message: string): void {
    this.push({ type: "step", step, message });
  }

  log(line: string): void {
    this.push({ type: "log", message: line });
  }

  private push(e: Omit<OperationEvent, "seq" | "at">): void {
    const event = { seq: this.events.length + 1, at: new Date().toISOString(), ...e };
    // Log lines beyond the cap are dropped; steps are always kept.
    if (this.events.length >= MAX_EVENTS && e.type === "log") return;
    this.events.push(event);
    for (const f of this.followers) f(event);
  }

  get done(): boolean {
    return this.state === "succeeded" || this.state === "failed";
  }

  succeed(result: unknown): void {
    this.result = result;
    this.finish("succeeded");
  }

  fail(err: unknown): void {
    this.error =
      err instanceof HubError
        ? { kind: err.kind, code: err.code, message: err.message }
        : { kind: "failed", code: "operation_failed", message: (err as Error)?.message ?? String(err) };
    this.finish("failed");
  }

  private finish(state: OperationState): void {
    this.state = state;
    this.endedAt = new Date().toISOString();
    for (const f of this.followers) f(null);
    this.followers.clear();
  }

  /** Every event so far, then each new one; `null` marks the end. Returns the unsubscribe. */
  follow(fn: (e: OperationEvent | null) => void): () => void {
    for (const e of this.events) fn(e);
    if (this.done) {
      fn(null);
      return () => {};
    }
    this.followers.add(fn);
    return () => this.followers.delete(fn);
  }

  /** Marks an event stream open on this operation until the returned function is called. */
  streamOpened(): () => void {
    this.openStreams++;
    return () => {
      if (--this.openStreams === 0) for (const w of this.drainedWaiters.splice(0)) w();
    };
  }

  /** Resolves once no event stream is open (every follower has had `done`), or after `ms`. */
  drained(ms: number): Promise<void> {
    if (this.openStreams === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainedWaiters.push(resolve);
      setTimeout(resolve, ms).unref();
    });
  }

  view(): OperationRecord {
    return {
      id: this.id,
      kind: this.kind,
      module: this.module,
      state: this.state,
      createdAt: this.createdAt,
      ...(this.endedAt ? { endedAt: this.endedAt } : {}),
      steps: this.events.filter((e) => e.type === "step"),
      ...(this.result !== undefined ? { result: this.result } : {}),
      ...(this.error ? { error: this.error } : {}),
    };
  }
}
