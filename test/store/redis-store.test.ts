import { createClient } from '@keyv/redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { StoreCorruptError, type StateStore } from '../../src/store/index.js';
import { storeContract } from './store-contract.js';
import { redisTarget } from './redis-target.js';

const redisUrl = process.env.REDIS_URL;

describe.skipIf(!redisUrl)(
  redisUrl ? 'StateStore on Redis' : 'StateStore on Redis (skipped: REDIS_URL not set)',
  () => {
    storeContract(async () => redisTarget(redisUrl!));

    describe('Redis layout', () => {
      const raw = createClient({ url: redisUrl });
      let target: ReturnType<typeof redisTarget>;
      let store: StateStore;

      beforeAll(async () => {
        await raw.connect();
      });
      afterAll(() => {
        raw.destroy();
      });
      beforeEach(async () => {
        target = redisTarget(redisUrl!);
        store = await target.open();
      });
      afterEach(async () => {
        await target.dispose();
      });

      test('a value is stored under "<namespace>::<key>" as its canonical JSON, with a Redis TTL', async () => {
        await store.set('req:1', { b: 1, a: [1, 'x'] }, 60_000);
        const key = `${target.namespace}::req:1`;
        expect(await raw.get(key)).toBe('{"a":[1,"x"],"b":1}');
        expect(await raw.pTTL(key)).toBeGreaterThan(50_000);
        await store.set('plain', 1);
        expect(await raw.pTTL(`${target.namespace}::plain`)).toBe(-1);
      });

      test('values written by keyv and by the Lua scripts are the same bytes', async () => {
        await store.set('k', { state: 'requested', id: 'r' });
        expect(
          await store.compareAndSet('k', { id: 'r', state: 'requested' }, { id: 'r', state: 'approved' }),
        ).toBe(true);
        expect(await raw.get(`${target.namespace}::k`)).toBe('{"id":"r","state":"approved"}');
        expect(await store.get('k', z.object({ id: z.string(), state: z.string() }))).toEqual({
          id: 'r',
          state: 'approved',
        });
      });

      test('leases live under "<namespace>:lease::<name>" with a TTL', async () => {
        await store.acquireLease('rotation:r1', 'replica-a', 60_000);
        expect(await raw.get(`${target.namespace}:lease::rotation:r1`)).toBe('replica-a');
        expect(await raw.pTTL(`${target.namespace}:lease::rotation:r1`)).toBeGreaterThan(50_000);
      });

      test('text that is not JSON reads as StoreCorruptError, without quoting it', async () => {
        await raw.set(`${target.namespace}::broken`, 'CANARY not json');
        const err = await store.get('broken', z.unknown()).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StoreCorruptError);
        expect((err as Error).message).not.toContain('CANARY');
      });

      test('namespaces do not see each other', async () => {
        const neighbour = redisTarget(redisUrl!);
        try {
          const other = await neighbour.open();
          await store.set('same', 1);
          await other.set('same', 2);
          expect(await store.get('same', z.number())).toBe(1);
          expect(await other.keysWithPrefix('')).toEqual(['same']);
        } finally {
          await neighbour.dispose();
        }
      });
    });
  },
);
