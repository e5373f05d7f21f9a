import { afterAll, describe, expect, test } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  createStore,
  StoreUnavailableError,
  type ConnectionChange,
  type StateStore,
} from '../../src/store/index.js';
import { freePort, hasRedisServer, RedisServerProcess } from './redis-server-process.js';
import { uniqueNamespace } from './redis-target.js';

/** Every operation of the interface, each expected to fail fast while Redis is unreachable. */
const operations: Array<[string, (s: StateStore) => Promise<unknown>]> = [
  ['get', (s) => s.get('k', z.unknown())],
  ['set', (s) => s.set('k', 1, 1000)],
  ['delete', (s) => s.delete('k')],
  ['setIfAbsent', (s) => s.setIfAbsent('k', 1)],
  ['compareAndSet', (s) => s.compareAndSet('k', 1, 2)],
  ['acquireLease', (s) => s.acquireLease('l', 'A', 1000)],
  ['renewLease', (s) => s.renewLease('l', 'A', 1000)],
  ['releaseLease', (s) => s.releaseLease('l', 'A')],
  ['leaseOwner', (s) => s.leaseOwner('l')],
  ['pushCapped', (s) => s.pushCapped('log', 1, 10)],
  ['listRecent', (s) => s.listRecent('log', z.unknown(), 10)],
  ['keysWithPrefix', (s) => s.keysWithPrefix('')],
  ['ping', (s) => s.ping()],
];

async function expectAllFailFast(store: StateStore): Promise<void> {
  for (const [name, op] of operations) {
    const started = performance.now();
    const outcome = await op(store).then(
      () => 'resolved',
      (e: unknown) => e,
    );
    const elapsed = performance.now() - started;
    expect(outcome, name).toBeInstanceOf(StoreUnavailableError);
    expect(elapsed, `${name} took ${Math.round(elapsed)} ms`).toBeLessThan(1000);
  }
}

/** Retries until `fn` resolves: the client reconnects on its own schedule (backoff capped at 2 s). */
async function eventually(fn: () => Promise<unknown>, timeoutMs = 6000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fn();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(50);
    }
  }
}

describe.skipIf(!hasRedisServer)(
  hasRedisServer
    ? 'StateStore through a Redis outage'
    : 'StateStore through a Redis outage (skipped: redis-server not on PATH)',
  () => {
    const servers: RedisServerProcess[] = [];
    const stores: StateStore[] = [];
    const server = async () => {
      const s = new RedisServerProcess(await freePort());
      servers.push(s);
      return s;
    };
    const open = async (url: string, onConnectionChange?: (c: ConnectionChange) => void) => {
      const store = await createStore({
        redisUrl: url,
        namespace: uniqueNamespace('outage'),
        onConnectionChange,
      });
      stores.push(store);
      return store;
    };

    // Runs even when a test fails, so no redis-server outlives the suite.
    afterAll(async () => {
      await Promise.allSettled(stores.map((s) => s.close()));
      await Promise.allSettled(servers.map((s) => s.dispose()));
    });

    test('Redis killed: every operation fails fast; Redis back: the same store works again', async () => {
      const redis = await server();
      await redis.start();
      const changes: ConnectionChange['state'][] = [];
      const store = await open(redis.url, (c) => changes.push(c.state));
      await store.set('before', { ok: true });
      await store.ping();

      await redis.kill();
      await expectAllFailFast(store);

      await redis.start(); // same port, empty (no persistence)
      await eventually(() => store.ping());
      await store.set('after', { ok: true });
      expect(await store.get('after', z.object({ ok: z.boolean() }))).toEqual({ ok: true });
      expect(await store.compareAndSet('after', { ok: true }, { ok: false })).toBe(true);
      expect(changes).toEqual(['ready', 'unavailable', 'ready']);
    });

    test('Redis down at start: the store is created, not ready, and becomes ready when Redis starts', async () => {
      const redis = await server();
      const started = performance.now();
      const store = await open(redis.url);
      expect(performance.now() - started).toBeLessThan(3000);
      await expectAllFailFast(store);

      await redis.start();
      await eventually(() => store.ping());
      expect(await store.setIfAbsent('k', 1)).toBe(true);
    });

    test('Redis frozen (connection open, no answers): calls time out instead of hanging', async () => {
      const redis = await server();
      await redis.start();
      const store = await open(redis.url);
      await store.set('k', 1);

      redis.pause();
      try {
        const started = performance.now();
        await expect(store.get('k', z.number())).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
        expect(performance.now() - started).toBeLessThan(2000);
      } finally {
        redis.resume();
      }
      await eventually(() => store.ping());
      expect(await store.get('k', z.number())).toBe(1);
    });
  },
);
