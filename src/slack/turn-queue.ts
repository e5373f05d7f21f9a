/**
 * Runs queued jobs a few per event-loop turn. Node (libuv ≥ 1.45) accepts one new connection per
 * turn, so when a burst of requests makes every turn long (each one handles every request that has
 * arrived), connections still waiting to be accepted wait for seconds, past Slack's 3 s, before the
 * bot even reads them. Starting at most `perTurn` Slack requests per turn keeps turns short, so new
 * connections are accepted while the bot is saturated; queued requests wait milliseconds.
 */
export class TurnQueue {
  private readonly jobs: Array<() => boolean> = [];
  private scheduled = false;

  /**
   * @param perTurn jobs started per turn
   * @param onError told about a job that threw; the jobs behind it still run
   */
  constructor(
    private readonly perTurn: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Queues `job`; it returns false when it found nothing to do, and then takes no place in its turn. */
  run(job: () => boolean): void {
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
    for (let started = 0; started < this.perTurn && this.jobs.length > 0;) {
      try {
        if (this.jobs.shift()!()) started++;
      } catch (err) {
        started++;
        this.onError(err);
      }
    }
    // Scheduled from the check phase, the next drain runs in the next turn, after its poll phase
    // (where the next connection is accepted).
    if (this.jobs.length > 0) setImmediate(this.drain);
    else this.scheduled = false;
  };
}
