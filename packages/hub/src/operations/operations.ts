import type { OperationKind } from "../api-types.ts";
import { HubError } from "../errors.ts";
import type { Journal } from "./journal.ts";
import { Operation } from "./operation.ts";

const KEEP = 200;

/**
 * Runs operations in the background, one at a time per lock key: an operation waits for every
 * earlier one that shares a key with it. Keys are taken at submit time, in one synchronous step, so
 * two operations can never wait on each other. The last 200 operations stay readable.
 *
 * A journaled operation (one that changes what is on disk) that ends with its journal still open
 * could neither finish nor undo itself: further journaled operations are refused until a restart
 * has recovered it.
 */
export class Operations {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly recent = new Map<string, Operation>();
  private closed = false;
  private blocked: string | null = null;

  constructor(readonly journal: Journal) {}

  submit<T>(
    kind: OperationKind,
    module: string,
    keys: string[],
    run: (op: Operation) => Promise<T>,
    opts: { journaled?: boolean } = {},
  ): Operation {
    if (this.closed) throw stopping();
    const op = new Operation(kind, module);
    this.recent.set(op.id, op);
    while (this.recent.size > KEEP) this.recent.delete(this.recent.keys().next().value!);
    const before = keys.map((k) => this.tails.get(k) ?? Promise.resolve());
    const done = Promise.all(before).then(async () => {
      op.state = "running";
      try {
        if (this.closed) throw stopping();
        if (opts.journaled) this.refuseWhileBlocked();
        op.succeed(await run(op));
      } catch (err) {
        if (opts.journaled && this.journal.isOpen(op.id)) {
          this.blocked = `${kind} of ${module} could not be finished or undone (${(err as Error).message.split("\n")[0]})`;
        }
        op.fail(err);
      }
    });
    for (const k of keys) this.tails.set(k, done);
    void done.then(() => {
      for (const k of keys) if (this.tails.get(k) === done) this.tails.delete(k);
    });
    return op;
  }

  /** Refuses (503) while an operation that could not undo itself waits for the next boot. */
  refuseWhileBlocked(): void {
    if (this.blocked) {
      throw new HubError(
        "unavailable",
        "recovery_needed",
        `${this.blocked}; restart the hub (stop it and run serve again): it recovers at boot, then try again`,
      );
    }
  }

  get(id: string): Operation {
    const op = this.recent.get(id);
    if (!op)
      throw new HubError("not_found", "unknown_operation", `no operation "${id}" is known to this hub`);
    return op;
  }

  list(): Operation[] {
    return [...this.recent.values()].reverse();
  }

  /**
   * For a shutdown: no new operation is accepted, and queued ones fail when their turn comes, so
   * only those already running are left to finish.
   */
  close(): void {
    this.closed = true;
  }

  /** Whether anything is queued or running. */
  busy(): boolean {
    return this.tails.size > 0;
  }

  /** Resolves once nothing is queued or running (for an orderly shutdown). */
  async idle(): Promise<void> {
    while (this.tails.size) await Promise.all(this.tails.values());
  }
}

const stopping = () =>
  new HubError("unavailable", "hub_stopping", "the hub is shutting down; try again once it is back");
