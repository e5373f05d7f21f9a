/**
 * Runs queued jobs a few per event-loop turn. Node (libuv ≥ 1.45) accepts one new connection per
 * turn, so when a burst of requests makes every turn long (each one handles every request that has
 * arrived), connections still waiting to be accepted wait for seconds, past Slack's 3 s, before the
 * bot even reads them. Starting at most `perTurn` Slack requests per turn keeps turns short, so new
 * connections are accepted while the bot is saturated; queued requests wait milliseconds.
 */
export class TurnQueue {
  private readonly jobs: Array<() => void> = [];
  private scheduled = false;

  constructor(private readonly perTurn: number) {}

  run(job: () => void): void {
    this.jobs.push(job);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  /** Jobs waiting for a turn. */
  get waiting(): number {
    return this.jobs.length;
  }

  private readonly drain = (): void => {
    try {
      for (let i = 0; i < this.perTurn && this.jobs.length > 0; i++) this.jobs.shift()!();
    } finally {
      // Scheduled from the check phase, the next drain runs in the next turn, after its poll phase
      // (where the next connection is accepted). A job that threw never stalls the ones behind it.
      if (this.jobs.length > 0) setImmediate(this.drain);
      else this.scheduled = false;
    }
  };
}
