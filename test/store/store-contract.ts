import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, afterEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { StoreCorruptError, StoreUnavailableError, type StateStore } from '../../src/store/index.js';

/**
 * The behaviour every StateStore backend must have, run against memory and against Redis.
 * A target gives each test a clean, isolated store; `open()` returns another handle on the same
 * data (on Redis a separate client and connection, so "atomic across processes" is really tested).
 */
export interface StoreTarget {
  open(): Promise<StateStore>;
  /** Deletes what the test wrote and closes every handle it opened. */
  dispose(): Promise<void>;
}

const Request = z.object({ id: z.string(), state: z.string(), by: z.string().optional() });
const Num = z.number();
const Entry = z.object({ n: z.number() });

export function storeContract(makeTarget: () => Promise<StoreTarget>): void {
  let target: StoreTarget;
  let store: StateStore;

  beforeEach(async () => {
    target = await makeTarget();
    store = await target.open();
  });
  afterEach(async () => {
    await target?.dispose();
  });

  describe('get / set / delete', () => {
    test('a missing key reads as undefined', async () => {
      expect(await store.get('nope', Request)).toBeUndefined();
    });

    test('round-trips JSON data, whatever the key order', async () => {
      const value = { b: [1, 'two', null, { y: true, x: -1.5 }], a: ':colon-led', u: 'ünï ✓' };
      await store.set('v', value);
      const schema = z.object({ a: z.string(), b: z.array(z.unknown()), u: z.string() });
      expect(await store.get('v', schema)).toEqual(value);
      await store.set('v', 'now a string');
      expect(await store.get('v', z.string())).toBe('now a string');
    });

    test('a second handle sees what the first wrote', async () => {
      const other = await target.open();
      await store.set('shared', { id: 'r1', state: 'requested' });
      expect(await other.get('shared', Request)).toEqual({ id: 'r1', state: 'requested' });
    });

    test('delete says whether something was there', async () => {
      await store.set('d', 1);
      expect(await store.delete('d')).toBe(true);
      expect(await store.delete('d')).toBe(false);
      expect(await store.get('d', Num)).toBeUndefined();
    });

    test('values expire after their TTL', async () => {
      await store.set('short', 1, 50);
      await store.set('long', 2, 60_000);
      expect(await store.get('short', Num)).toBe(1);
      await sleep(150);
      expect(await store.get('short', Num)).toBeUndefined();
      expect(await store.get('long', Num)).toBe(2);
      expect(await store.keysWithPrefix('')).toEqual(['long']);
    });

    test('set without a TTL replaces an earlier expiry', async () => {
      await store.set('k', 1, 50);
      await store.set('k', 2);
      await sleep(150);
      expect(await store.get('k', Num)).toBe(2);
    });

    test('refuses values that are not JSON data, and stores nothing', async () => {
      await expect(store.set('bad', undefined)).rejects.toBeInstanceOf(TypeError);
      await expect(store.set('bad', { n: Number.NaN })).rejects.toBeInstanceOf(TypeError);
      await expect(store.set('bad', new Map([[1, 2]]))).rejects.toBeInstanceOf(TypeError);
      expect(await store.get('bad', z.unknown())).toBeUndefined();
    });

    test('refuses bad arguments as rejections', async () => {
      await expect(store.set('', 1)).rejects.toBeInstanceOf(TypeError);
      await expect(store.set('k', 1, 0)).rejects.toBeInstanceOf(RangeError);
      await expect(store.set('k', 1, -5)).rejects.toBeInstanceOf(RangeError);
      await expect(store.pushCapped('k', 1, 0)).rejects.toBeInstanceOf(RangeError);
      await expect(store.listRecent('k', Num, -1)).rejects.toBeInstanceOf(RangeError);
      await expect(store.acquireLease('l', '', 1000)).rejects.toBeInstanceOf(TypeError);
    });
  });

  describe('validation on read', () => {
    test('a value that does not match its schema throws StoreCorruptError, without quoting it', async () => {
      await store.set('r', { id: 'r1', state: 42, note: 'CANARY-VALUE-123' });
      const err = await store.get('r', Request).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreCorruptError);
      expect(err).toMatchObject({ code: 'STORE_CORRUPT', key: 'r' });
      expect(String((err as Error).message)).toContain('state');
      expect(String((err as Error).message)).not.toContain('CANARY');
    });

    test('schema transforms and defaults apply', async () => {
      await store.set('t', { id: 'r1' });
      const schema = z.object({ id: z.string().toUpperCase(), state: z.string().default('requested') });
      expect(await store.get('t', schema)).toEqual({ id: 'R1', state: 'requested' });
    });

    test('a list read as a value, or a value read as a list, is corrupt', async () => {
      await store.set('value', 1);
      await store.pushCapped('list', { n: 1 }, 5);
      await expect(store.get('list', z.unknown())).rejects.toBeInstanceOf(StoreCorruptError);
      await expect(store.listRecent('value', z.unknown(), 5)).rejects.toBeInstanceOf(StoreCorruptError);
      await expect(store.compareAndSet('list', 1, 2)).rejects.toBeInstanceOf(StoreCorruptError);
      await expect(store.pushCapped('value', 1, 5)).rejects.toBeInstanceOf(StoreCorruptError);
      expect(await store.delete('list')).toBe(true);
    });
  });

  describe('setIfAbsent', () => {
    test('writes only when absent, and again once the value expired', async () => {
      expect(await store.setIfAbsent('once', { id: 'a', state: 's' }, 50)).toBe(true);
      expect(await store.setIfAbsent('once', { id: 'b', state: 's' }, 50)).toBe(false);
      expect(await store.get('once', Request)).toEqual({ id: 'a', state: 's' });
      await sleep(150);
      expect(await store.setIfAbsent('once', { id: 'c', state: 's' })).toBe(true);
      expect(await store.get('once', Request)).toEqual({ id: 'c', state: 's' });
    });

    test('exactly one of 50 concurrent callers on two handles wins', async () => {
      const other = await target.open();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? other : store).setIfAbsent('race', { n: i }, 60_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get('race', Entry)).toEqual({ n: results.indexOf(true) });
    });
  });

  describe('compareAndSet', () => {
    test('swaps only from the expected value; key order does not matter', async () => {
      expect(await store.compareAndSet('req', { id: 'r', state: 'requested' }, { id: 'r', state: 'x' })).toBe(
        false,
      );
      await store.set('req', { id: 'r', state: 'requested' });
      expect(await store.compareAndSet('req', { id: 'r', state: 'approved' }, { id: 'r', state: 'x' })).toBe(
        false,
      );
      expect(await store.get('req', Request)).toEqual({ id: 'r', state: 'requested' });
      const swapped = await store.compareAndSet(
        'req',
        { state: 'requested', id: 'r' },
        { id: 'r', state: 'approved', by: 'U2' },
      );
      expect(swapped).toBe(true);
      expect(await store.get('req', Request)).toEqual({ id: 'r', state: 'approved', by: 'U2' });
    });

    test('without a TTL it keeps the current expiry; with one it sets a new one', async () => {
      await store.set('keep', 1, 100);
      expect(await store.compareAndSet('keep', 1, 2)).toBe(true);
      await store.set('renew', 1, 100);
      expect(await store.compareAndSet('renew', 1, 2, 60_000)).toBe(true);
      await sleep(250);
      expect(await store.get('keep', Num)).toBeUndefined();
      expect(await store.get('renew', Num)).toBe(2);
    });

    test('first decision wins: exactly one of 50 concurrent swaps on two handles succeeds', async () => {
      const other = await target.open();
      const pending: z.infer<typeof Request> = { id: 'r9', state: 'requested' };
      await store.set('decision', pending, 60_000);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 ? other : store).compareAndSet('decision', pending, {
            id: 'r9',
            state: 'approved',
            by: `U${i}`,
          }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await other.get('decision', Request)).toEqual({ id: 'r9', state: 'approved', by: `U${winner}` });
    });
  });

  describe('leases', () => {
    test('one owner at a time; only the owner renews or releases', async () => {
      expect(await store.acquireLease('rotation:r1', 'A', 60_000)).toBe(true);
      expect(await store.acquireLease('rotation:r1', 'B', 60_000)).toBe(false);
      expect(await store.acquireLease('rotation:r1', 'A', 60_000)).toBe(false); // not re-entrant
      expect(await store.leaseOwner('rotation:r1')).toBe('A');
      expect(await store.renewLease('rotation:r1', 'B', 60_000)).toBe(false);
      expect(await store.renewLease('rotation:r1', 'A', 60_000)).toBe(true);
      expect(await store.releaseLease('rotation:r1', 'B')).toBe(false);
      expect(await store.leaseOwner('rotation:r1')).toBe('A');
      expect(await store.releaseLease('rotation:r1', 'A')).toBe(true);
      expect(await store.releaseLease('rotation:r1', 'A')).toBe(false);
      expect(await store.leaseOwner('rotation:r1')).toBeUndefined();
      expect(await store.acquireLease('rotation:r1', 'B', 60_000)).toBe(true);
    });

    test('an unrenewed lease expires by itself (crash recovery)', async () => {
      expect(await store.acquireLease('l', 'crashed', 50)).toBe(true);
      await sleep(150);
      expect(await store.leaseOwner('l')).toBeUndefined();
      expect(await store.renewLease('l', 'crashed', 60_000)).toBe(false);
      expect(await store.acquireLease('l', 'survivor', 60_000)).toBe(true);
    });

    test('renewing pushes the expiry out', async () => {
      expect(await store.acquireLease('l', 'A', 300)).toBe(true);
      expect(await store.renewLease('l', 'A', 60_000)).toBe(true);
      await sleep(450);
      expect(await store.leaseOwner('l')).toBe('A');
    });

    test('exactly one of 50 concurrent acquirers on two handles gets it', async () => {
      const other = await target.open();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 ? other : store).acquireLease('hot', `owner-${i}`, 60_000),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await other.leaseOwner('hot')).toBe(`owner-${results.indexOf(true)}`);
    });

    test('leases are apart from values: no collision, not listed by keysWithPrefix', async () => {
      await store.set('same-name', 1);
      expect(await store.acquireLease('same-name', 'A', 60_000)).toBe(true);
      expect(await store.get('same-name', Num)).toBe(1);
      expect(await store.keysWithPrefix('')).toEqual(['same-name']);
    });
  });

  describe('pushCapped / listRecent', () => {
    test('newest first, bounded to max, limited on read', async () => {
      for (let n = 1; n <= 7; n++) await store.pushCapped('audit', { n }, 5);
      expect(await store.listRecent('audit', Entry, 10)).toEqual([
        { n: 7 },
        { n: 6 },
        { n: 5 },
        { n: 4 },
        { n: 3 },
      ]);
      expect(await store.listRecent('audit', Entry, 2)).toEqual([{ n: 7 }, { n: 6 }]);
      expect(await store.listRecent('audit', Entry, 0)).toEqual([]);
      expect(await store.listRecent('missing', Entry, 5)).toEqual([]);
    });

    test('concurrent pushes from two handles are all kept', async () => {
      const other = await target.open();
      await Promise.all(
        Array.from({ length: 40 }, (_, n) => (n % 2 ? other : store).pushCapped('log', { n }, 100)),
      );
      const entries = await store.listRecent('log', Entry, 100);
      expect(entries.map((e) => e.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    });

    test('the list expires; a push without a TTL keeps the current expiry', async () => {
      await store.pushCapped('fails', { n: 1 }, 3, 100);
      await store.pushCapped('fails', { n: 2 }, 3);
      expect(await store.listRecent('fails', Entry, 3)).toEqual([{ n: 2 }, { n: 1 }]);
      await sleep(250);
      expect(await store.listRecent('fails', Entry, 3)).toEqual([]);
    });

    test('every entry is validated', async () => {
      await store.pushCapped('mixed', { n: 1 }, 5);
      await store.pushCapped('mixed', { n: 'two' }, 5);
      await expect(store.listRecent('mixed', Entry, 5)).rejects.toBeInstanceOf(StoreCorruptError);
    });
  });

  describe('keysWithPrefix', () => {
    test('lists live values and lists by prefix, sorted', async () => {
      await store.set('req:2', 1);
      await store.set('req:10', 1);
      await store.set('req:1', 1, 60_000);
      await store.pushCapped('req:log', 1, 5);
      await store.set('other', 1);
      expect(await store.keysWithPrefix('req:')).toEqual(['req:1', 'req:10', 'req:2', 'req:log']);
      expect(await store.keysWithPrefix('none:')).toEqual([]);
    });

    test('glob characters in the prefix match literally', async () => {
      for (const key of ['a*b', 'a*c', 'axb', 'a?b', 'a[1]', 'a\\z']) await store.set(key, 1);
      expect(await store.keysWithPrefix('a*')).toEqual(['a*b', 'a*c']);
      expect(await store.keysWithPrefix('a?')).toEqual(['a?b']);
      expect(await store.keysWithPrefix('a[')).toEqual(['a[1]']);
      expect(await store.keysWithPrefix('a\\')).toEqual(['a\\z']);
    });
  });

  describe('ping / close', () => {
    test('ping answers while open; after close every call is StoreUnavailableError', async () => {
      const handle = await target.open();
      await expect(handle.ping()).resolves.toBeUndefined();
      await handle.close();
      await handle.close(); // idempotent
      await expect(handle.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(handle.get('k', Num)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(handle.set('k', 1)).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });
}
