/**
 * FTS5's share of the vault's one thread. Its searches run to the end once started, so a stream of
 * expensive ones (someone typing a long OR search, every keystroke a new request) would queue
 * seconds of work ahead of everything else, health checks included, and the hub would restart a
 * vault that is only busy. Each search draws its work (postings FTS5 walks) from a bucket that
 * refills at `perSecond`; a search the bucket cannot cover is refused for a moment, not queued.
 */
export class WorkBudget {
  private left: number;
  private at: number;

  constructor(
    private readonly now: () => number,
    readonly burst = 4_000_000,
    readonly perSecond = 2_000_000,
  ) {
    this.left = burst;
    this.at = now();
  }

  /** Takes work already done from the bucket, whether it covers it or not (down to one burst owed). */
  spend(work: number): void {
    this.take(0);
    this.left = Math.max(-this.burst, this.left - work);
  }

  /** Takes `work` from the bucket: 0 when it could, else the whole seconds until it could. */
  take(work: number): number {
    const t = this.now();
    this.left = Math.min(this.burst, this.left + ((t - this.at) / 1000) * this.perSecond);
    this.at = t;
    if (work <= this.left) {
      this.left -= work;
      return 0;
    }
    return Math.max(1, Math.ceil((work - this.left) / this.perSecond));
  }
}
