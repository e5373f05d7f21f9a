import { createClient } from '@keyv/redis';

export type RedisClient = ReturnType<typeof createClient>;

/** Reported on every change between "Redis answers" and "Redis does not", for the operator's log. */
export type ConnectionChange = { state: 'ready' } | { state: 'unavailable'; reason: string };

export interface RedisConnectionOptions {
  /** Per connection attempt; also bounds how long `openRedisClient` waits for the first one. */
  connectTimeoutMs: number;
  onConnectionChange?: ((change: ConnectionChange) => void) | undefined;
}

/**
 * Waits between reconnection attempts: 50 ms doubling up to 2 s, plus jitter so replicas do not
 * reconnect in lockstep. It never gives up: a store whose client stopped retrying would need a
 * restart, and the bot must recover by itself when Redis returns.
 */
export function reconnectDelay(retries: number): number {
  return Math.min(50 * 2 ** retries, 2000) + Math.floor(Math.random() * 100);
}

/**
 * Creates and connects a node-redis client set up to fail fast rather than wait:
 * - `disableOfflineQueue`: while disconnected, commands reject at once (node-redis would otherwise
 *   queue them until Redis returns, hanging every Slack handler that touches the store);
 * - a capped reconnect backoff that never stops (see `reconnectDelay`).
 *
 * Start-up with Redis down does not fail: this resolves after the first connection attempt either
 * way, the client keeps retrying in the background, and until it connects every operation (and
 * `ping`, hence /readyz) throws StoreUnavailableError. An orchestrator keeps the replica out of the
 * load balancer instead of crash-looping it. A caller that prefers to exit can `await store.ping()`.
 */
export async function openRedisClient(url: string, opts: RedisConnectionOptions): Promise<RedisClient> {
  let client: RedisClient;
  try {
    client = createClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: opts.connectTimeoutMs, reconnectStrategy: reconnectDelay },
    });
  } catch {
    // node-redis's error (and URL's `input` property) would carry the URL, password included.
    throw new TypeError('REDIS_URL is not a valid redis:// or rediss:// URL');
  }

  // An EventEmitter 'error' without a listener crashes the process; node-redis emits one per failed
  // (re)connection attempt. Report transitions only, so an outage is one log line, not one per retry.
  let last: ConnectionChange['state'] | undefined;
  const report = (change: ConnectionChange) => {
    if (change.state === last) return;
    last = change.state;
    try {
      opts.onConnectionChange?.(change);
    } catch {
      // a failing log call must not become an unhandled error inside node-redis's event loop
    }
  };
  client.on('ready', () => report({ state: 'ready' }));
  client.on('error', (err: unknown) => report({ state: 'unavailable', reason: describeError(err) }));

  const firstOutcome = new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, opts.connectTimeoutMs + 500);
    client.on('ready', done);
    client.on('error', done);
  });
  // Resolves on the first successful connection, however late; failures are reported above.
  client.connect().catch(() => undefined);
  await firstOutcome;
  return client;
}

/** A short reason for the log: node's connection errors can have an empty message (AggregateError). */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown error';
  const code = (err as { code?: unknown }).code;
  return err.message || (typeof code === 'string' ? code : '') || err.name;
}
