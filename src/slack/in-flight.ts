/**
 * Counts listener runs still going, including the slow part after the ack (a connection test, a
 * rotation), so a graceful stop can wait for them instead of cutting a rotation in half.
 */
export class InFlight {
  private count = 0;
  private waiters: Array<() => void> = [];

  /** Runs `work`, counted as in flight until it settles. */
  async track(work: () => Promise<void>): Promise<void> {
    this.count += 1;
    try {
      await work();
    } finally {
      this.count -= 1;
      if (this.count === 0) for (const w of this.waiters.splice(0)) w();
    }
  }

  get size(): number {
    return this.count;
  }

  /** Resolves when nothing is in flight, or after `timeoutMs` (true if it drained). */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
