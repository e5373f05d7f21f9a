import type { ZodType } from 'zod';

/**
 * The bot's state (rotation requests, approvals, cool-downs, leases, audit) behind one small
 * interface. Flows depend on this and never on keyv or Redis, so they are tested on the memory
 * store and run unchanged on Redis with several replicas.
 *
 * Values are JSON data (plain objects, arrays, strings, numbers, booleans, null). Reads are
 * validated with zod: a stored value that does not match its schema throws StoreCorruptError
 * instead of returning garbage. Any backend failure throws StoreUnavailableError, quickly, and
 * never reads as "absent".
 *
 * TTLs are in milliseconds. `set`/`setIfAbsent` without a TTL store without expiry;
 * `compareAndSet`/`pushCapped` without a TTL keep the entry's current expiry.
 *
 * Never store a secret (secret key, password, OTP, tokens): nothing here can tell one apart.
 */
export interface StateStore {
  /** The value at `key` validated by `schema`, or undefined when absent or expired. */
  get<T>(key: string, schema: ZodType<T>): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  /** True when something was deleted. Works on values and lists alike. */
  delete(key: string): Promise<boolean>;
  /** Atomic across processes: true for exactly one of several concurrent callers. */
  setIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean>;
  /**
   * Atomic across processes: replaces the value only when the stored value equals `expected` as
   * JSON data (key order does not matter). False when absent or different. "First decision wins".
   */
  compareAndSet<T>(key: string, expected: T, next: T, ttlMs?: number): Promise<boolean>;
  /** Atomic; not re-entrant (the holder gets false too: use renewLease). Expires by itself. */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends the lease to `ttlMs` from now; false unless `owner` holds it. */
  renewLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** False unless `owner` holds it. */
  releaseLease(name: string, owner: string): Promise<boolean>;
  leaseOwner(name: string): Promise<string | undefined>;
  /** Adds `value` in front and keeps the newest `max` entries. */
  pushCapped(key: string, value: unknown, max: number, ttlMs?: number): Promise<void>;
  /** Newest first, at most `limit`; every entry validated by `schema`. Empty when absent. */
  listRecent<T>(key: string, schema: ZodType<T>, limit: number): Promise<T[]>;
  /** Live keys (values and lists, not leases) starting with `prefix`, sorted. Uses SCAN on Redis. */
  keysWithPrefix(prefix: string): Promise<string[]>;
  /** Resolves when the backend answers; throws StoreUnavailableError otherwise (for /readyz). */
  ping(): Promise<void>;
  /** Waits for operations in flight, then disconnects. Later calls throw StoreUnavailableError. */
  close(): Promise<void>;
}

export { StoreUnavailableError, StoreCorruptError, isStoreError } from './errors.js';
export type { StoreErrorCode, StoreError } from './errors.js';
export { createStore } from './create-store.js';
export type { StoreOptions, ConnectionChange } from './create-store.js';
