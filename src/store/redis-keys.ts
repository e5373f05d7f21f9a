/**
 * Redis key names. Data keys are exactly what keyv + @keyv/redis write for a namespaced Keyv with
 * `useKeyPrefix: false` (the adapter's `createKeyPrefix`: "<namespace>::<key>"), so the raw Redis
 * commands and Lua scripts touch the same keys keyv reads and writes.
 *
 * Leases live beside them under "<namespace>:lease::<name>". The namespace may not contain ':'
 * (see create-store.ts), so no data key can ever look like a lease key, and a SCAN for data keys
 * never returns leases.
 */
export const KEYV_SEPARATOR = '::';

export function dataKey(namespace: string, key: string): string {
  return `${namespace}${KEYV_SEPARATOR}${key}`;
}

export function leaseKey(namespace: string, name: string): string {
  return `${namespace}:lease${KEYV_SEPARATOR}${name}`;
}

/** A SCAN MATCH pattern for data keys starting with `prefix`; glob characters in it match literally. */
export function dataKeyPattern(namespace: string, prefix: string): string {
  return `${escapeGlob(dataKey(namespace, prefix))}*`;
}

/** The store key of a Redis data key found by SCAN. */
export function fromDataKey(namespace: string, redisKey: string): string {
  return redisKey.slice(dataKey(namespace, '').length);
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
