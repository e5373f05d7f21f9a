/**
 * What a backend (memory or Redis) does, in terms of canonical JSON text. The shared front in
 * `json-store.ts` turns values into that text and validates what comes back, so both backends
 * behave alike by construction and each one only has to get storage, TTLs and atomicity right.
 *
 * TTL rule, the same on both backends: `set` and `setIfAbsent` without a TTL store without expiry;
 * `compareAndSet` and `pushCapped` without a TTL keep the entry's current expiry, so moving a
 * request to its next state never makes it immortal.
 */
export interface StoreBackend {
  get(key: string): Promise<string | undefined>;
  set(key: string, json: string, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<boolean>;
  setIfAbsent(key: string, json: string, ttlMs?: number): Promise<boolean>;
  compareAndSet(key: string, expectedJson: string, nextJson: string, ttlMs?: number): Promise<boolean>;
  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  renewLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, owner: string): Promise<boolean>;
  leaseOwner(name: string): Promise<string | undefined>;
  pushCapped(key: string, json: string, max: number, ttlMs?: number): Promise<void>;
  /** Newest first, at most `limit` entries. */
  listRange(key: string, limit: number): Promise<string[]>;
  keysWithPrefix(prefix: string): Promise<string[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
