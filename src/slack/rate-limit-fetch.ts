import type { FetchFunction } from '@slack/web-api';

/**
 * Fix (issue 6, hardening): @slack/web-api answers an HTTP 429 by pausing its whole request queue for
 * the Retry-After. Bolt shares one WebClient per workspace, so one channel's limit on
 * chat.postMessage (Slack limits it per channel) held up every Slack call the bot made meanwhile:
 * cards and results in other channels, and views.open, whose trigger_id dies after 3 s.
 *
 * This fetch waits out a 429 for its own call only, then sends it again. The client never sees the
 * 429 unless the wait is too long or keeps coming; with `rejectRateLimitedCalls` that one call then
 * fails (its caller already handles a failed Slack call), and the queue is never paused.
 */
export function rateLimitAwareFetch(
  opts: { maxWaitMs?: number; maxRetries?: number; fetchFn?: FetchFunction } = {},
): FetchFunction {
  const maxWaitMs = opts.maxWaitMs ?? 30_000;
  const maxRetries = opts.maxRetries ?? 3;
  const send = opts.fetchFn ?? (globalThis.fetch as unknown as FetchFunction);
  return async (url, init) => {
    for (let attempt = 0; ; attempt++) {
      const res = await send(url, init);
      if (res.status !== 429 || attempt >= maxRetries) return res;
      const seconds = Number.parseInt(res.headers.get('retry-after') ?? '', 10);
      const waitMs = (Number.isFinite(seconds) && seconds >= 0 ? seconds : 1) * 1000;
      if (waitMs > maxWaitMs) return res;
      await res.text().catch(() => undefined); // free the connection
      await sleep(waitMs, init?.signal ?? undefined);
    }
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
