import { ScribeError } from "./errors.ts";

/**
 * Runs jobs one at a time (transcription already uses the machine's cores) and holds at most
 * `capacity` of them, waiting or running. A slot is taken before the upload is read, so a full
 * queue refuses at once instead of buffering uploads it cannot serve.
 */
export class JobQueue {
  private held = 0;
  private tail: Promise<void> = Promise.resolve();
  private averageS = 5;

  constructor(private readonly capacity: () => number) {}

  /** Takes a slot, or refuses with 429 and how long the queue needs to drain. */
  reserve(): () => void {
    if (this.held >= this.capacity()) {
      const wait = Math.max(1, Math.ceil(this.held * this.averageS));
      throw new ScribeError(
        "busy",
        "busy",
        `scribe is busy with ${this.held} transcriptions; retry in ${wait} s`,
        wait,
      );
    }
    this.held++;
    let released = false;
    return () => {
      if (!released) this.held--;
      released = true;
    };
  }

  /** Runs `job` after those before it; remembers how long jobs take, for Retry-After. */
  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(async () => {
      const started = performance.now();
      try {
        return await job();
      } finally {
        this.averageS = this.averageS * 0.7 + ((performance.now() - started) / 1000) * 0.3;
      }
    });
    this.tail = result.then(
      () => {},
      () => {},
    );
    return result;
  }
}
