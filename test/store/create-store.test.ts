import { describe, expect, test } from 'vitest';
import { createStore } from '../../src/store/index.js';

describe('createStore options', () => {
  test('refuses a namespace that could overlap lease keys or need escaping', async () => {
    await expect(createStore({ namespace: 'a:b' })).rejects.toBeInstanceOf(TypeError);
    await expect(createStore({ namespace: '' })).rejects.toBeInstanceOf(TypeError);
  });

  test('refuses non-positive timeouts', async () => {
    await expect(createStore({ commandTimeoutMs: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(createStore({ connectTimeoutMs: 1.5 })).rejects.toBeInstanceOf(RangeError);
  });

  test('an invalid Redis URL fails at once without echoing the URL (it may hold a password)', async () => {
    const err = await createStore({ redisUrl: 'redis://:CANARY-PASSWORD@' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(JSON.stringify(err) + String(err) + String((err as Error).cause)).not.toContain('CANARY');
  });

  test('without a Redis URL the store is in memory and ready', async () => {
    const store = await createStore();
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
  });
});
