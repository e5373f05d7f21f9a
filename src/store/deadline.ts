/**
 * Rejects when `promise` has not settled within `ms`. node-redis's own command timeout only covers
 * the wait to be written, not the wait for the reply, so a Redis that accepts the connection but
 * stops answering (paused, overloaded, half-open TCP) would otherwise hang a Slack handler.
 */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  // The abandoned operation may still fail later; that failure was already reported as a timeout.
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
