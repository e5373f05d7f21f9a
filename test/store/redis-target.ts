import { randomUUID } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { createStore, type StateStore, type StoreOptions } from '../../src/store/index.js';
import type { StoreTarget } from './store-contract.js';

/** A namespace no other test file or run uses, so tests can share one Redis in parallel. */
export function uniqueNamespace(label: string): string {
  return `test-${label}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/** Deletes every key of `namespace` (values, lists and leases) with SCAN + UNLINK. */
export async function deleteNamespace(redisUrl: string, namespace: string): Promise<void> {
  const client = createClient({ url: redisUrl });
  await client.connect();
  try {
    for await (const keys of client.scanIterator({ MATCH: `${namespace}:*`, COUNT: 1000 })) {
      if (keys.length > 0) await client.unlink(keys);
    }
  } finally {
    client.destroy();
  }
}

/** Each `open()` is a separate store with its own Redis connection, on one fresh namespace. */
export function redisTarget(
  redisUrl: string,
  extra: Partial<StoreOptions> = {},
): StoreTarget & { namespace: string } {
  const namespace = uniqueNamespace('store');
  const opened: StateStore[] = [];
  return {
    namespace,
    open: async () => {
      const store = await createStore({ redisUrl, namespace, ...extra });
      opened.push(store);
      return store;
    },
    dispose: async () => {
      await Promise.all(opened.map((s) => s.close()));
      await deleteNamespace(redisUrl, namespace);
    },
  };
}
