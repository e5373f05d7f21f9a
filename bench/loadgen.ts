import { createHmac } from 'node:crypto';
import autocannon from 'autocannon';

/**
 * The load generator of `npm run bench`, forked by the runner so that sending requests never shares
 * an event loop with the measuring. It takes one job at a time over IPC (`LoadJob`) and answers with
 * a `LoadResult`. Requests are autocannon's, with `connections` keep-alive connections each holding
 * one request in flight (the concurrency), until `amount` requests are answered or `maxSeconds`
 * pass, whichever is first.
 *
 * Each request is a slash-command body from a precomputed pool, signed as Slack signs it with the
 * current timestamp (a fresh one every second; the HMAC per body is cached within that second).
 */
export interface LoadJob {
  url: string;
  connections: number;
  amount: number;
  maxSeconds: number;
  bodies: string[];
  signingSecret: string;
  /** autocannon's request timeout; a request with no answer by then counts as an error (and > 3 s). */
  timeoutSeconds?: number;
  /** Counts 2xx answers whose body contains each marker (first match wins; the rest are `other`). */
  ackMarkers?: Record<string, string>;
}

export interface LoadResult {
  /** Responses received, whatever their status. */
  completed: number;
  ok2xx: number;
  non2xx: number;
  /** Connection errors and timeouts (no answer at all). */
  errors: number;
  timeouts: number;
  /** Answers that took over 3 s, plus requests never answered. */
  over3s: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  requestsPerSecond: number;
  elapsedMs: number;
  /** Epoch ms when the first request was sent and when the last answer arrived. */
  startedAt: number;
  endedAt: number;
  /** 2xx answers by `ackMarkers` (e.g. how many `servicenow test` acks started a test). */
  ackKinds: Record<string, number>;
  /** The first answers slower than 1 s: when they were answered (ms into the run) and how long they took. */
  slow: Array<{ atMs: number; latencyMs: number }>;
}

const SLACK_ACK_LIMIT_MS = 3000;

function signer(secret: string, bodies: string[]) {
  let second = 0;
  let cache = new Map<number, string>();
  return (i: number): { ts: string; sig: string } => {
    const now = Math.floor(Date.now() / 1000);
    if (now !== second) {
      second = now;
      cache = new Map();
    }
    let sig = cache.get(i);
    if (sig === undefined) {
      sig = 'v0=' + createHmac('sha256', secret).update(`v0:${now}:${bodies[i]}`).digest('hex');
      cache.set(i, sig);
    }
    return { ts: String(now), sig };
  };
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function runLoad(job: LoadJob): Promise<LoadResult> {
  const sign = signer(job.signingSecret, job.bodies);
  let next = 0;
  const latencies: number[] = [];
  const slow: LoadResult['slow'] = [];
  let ok2xx = 0;
  let non2xx = 0;
  const markers = Object.entries(job.ackMarkers ?? {});
  const ackKinds: Record<string, number> = Object.fromEntries([
    ...markers.map(([k]) => [k, 0]),
    ['other', 0],
  ]);
  const classify = (status: number, body: string) => {
    if (status < 200 || status >= 300) return;
    const kind = markers.find(([, marker]) => body.includes(marker))?.[0] ?? 'other';
    ackKinds[kind] = (ackKinds[kind] ?? 0) + 1;
  };
  return new Promise<LoadResult>((resolve, reject) => {
    const startedAt = Date.now();
    const t0 = performance.now();
    let lastAnswer = t0;
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        pipelining: 1,
        amount: job.amount,
        timeout: job.timeoutSeconds ?? 10,
        requests: [
          {
            method: 'POST',
            path: '/slack/events',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            setupRequest: (req) => {
              const i = next;
              next = (next + 1) % job.bodies.length;
              const { ts, sig } = sign(i);
              req.body = job.bodies[i];
              req.headers = {
                ...req.headers,
                'x-slack-request-timestamp': ts,
                'x-slack-signature': sig,
              };
              return req;
            },
            onResponse: classify,
          },
        ],
      },
      (err, result) => {
        clearTimeout(cap);
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        const sorted = Float64Array.from(latencies).sort();
        const elapsedMs = lastAnswer - t0;
        const over = latencies.filter((l) => l > SLACK_ACK_LIMIT_MS).length + result.timeouts;
        resolve({
          completed: latencies.length,
          ok2xx,
          non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          over3s: over,
          latencyMs: {
            p50: percentile(sorted, 0.5),
            p95: percentile(sorted, 0.95),
            p99: percentile(sorted, 0.99),
            max: sorted.length ? sorted[sorted.length - 1]! : NaN,
            mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
          },
          requestsPerSecond: elapsedMs > 0 ? (latencies.length * 1000) / elapsedMs : 0,
          elapsedMs,
          startedAt,
          endedAt: startedAt + elapsedMs,
          ackKinds,
          slow,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      if (statusCode >= 200 && statusCode < 300) ok2xx += 1;
      else non2xx += 1;
      lastAnswer = performance.now();
      if (responseTime > 1000 && slow.length < 50)
        slow.push({ atMs: Math.round(lastAnswer - t0), latencyMs: Math.round(responseTime) });
    });
    // Bounded in time as well as in count.
    const cap = setTimeout(() => instance.stop(), job.maxSeconds * 1000);
  });
}

// Forked by the runner (which sets BENCH_LOADGEN_CHILD): one job per message, answered in order.
// Imported anywhere else (a test importing runLoad inside a forked worker), it stays passive.
if (process.send && process.env.BENCH_LOADGEN_CHILD === '1') {
  let chain = Promise.resolve();
  process.on('message', (msg: { id: number; job: LoadJob }) => {
    chain = chain.then(async () => {
      try {
        const result = await runLoad(msg.job);
        process.send!({ id: msg.id, result });
      } catch (err) {
        process.send!({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
      }
    });
  });
  process.on('disconnect', () => process.exit(0));
}
