import type { ZodType } from 'zod';
import { canonicalJson } from './canonical-json.js';
import { StoreCorruptError } from './errors.js';
import type { StateStore } from './state-store.js';
import type { StoreBackend } from './store-backend.js';

/**
 * The StateStore both backends share: checks arguments, turns values into canonical JSON on the
 * way in and validates them with zod on the way out. Keeping this above the backends means memory
 * and Redis cannot drift apart on what is accepted or what counts as corrupt.
 */
/** Every method is async, so a bad argument is a rejected promise like any other failure. */
export class JsonStateStore implements StateStore {
  constructor(private readonly backend: StoreBackend) {}

  async get<T>(key: string, schema: ZodType<T>): Promise<T | undefined> {
    const text = await this.backend.get(checkKey(key));
    return text === undefined ? undefined : decode(key, text, schema);
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    return this.backend.set(checkKey(key), canonicalJson(value), checkTtl(ttlMs));
  }

  async delete(key: string): Promise<boolean> {
    return this.backend.delete(checkKey(key));
  }

  async setIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean> {
    return this.backend.setIfAbsent(checkKey(key), canonicalJson(value), checkTtl(ttlMs));
  }

  async compareAndSet<T>(key: string, expected: T, next: T, ttlMs?: number): Promise<boolean> {
    return this.backend.compareAndSet(
      checkKey(key),
      canonicalJson(expected),
      canonicalJson(next),
      checkTtl(ttlMs),
    );
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.backend.acquireLease(checkKey(name), checkOwner(owner), requireTtl(ttlMs));
  }

  async renewLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.backend.renewLease(checkKey(name), checkOwner(owner), requireTtl(ttlMs));
  }

  async releaseLease(name: string, owner: string): Promise<boolean> {
    return this.backend.releaseLease(checkKey(name), checkOwner(owner));
  }

  async leaseOwner(name: string): Promise<string | undefined> {
    return this.backend.leaseOwner(checkKey(name));
  }

  async pushCapped(key: string, value: unknown, max: number, ttlMs?: number): Promise<void> {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('pushCapped: max must be an integer >= 1');
    return this.backend.pushCapped(checkKey(key), canonicalJson(value), max, checkTtl(ttlMs));
  }

  async listRecent<T>(key: string, schema: ZodType<T>, limit: number): Promise<T[]> {
    if (!Number.isInteger(limit) || limit < 0)
      throw new RangeError('listRecent: limit must be an integer >= 0');
    if (limit === 0) return [];
    const texts = await this.backend.listRange(checkKey(key), limit);
    return texts.map((text) => decode(key, text, schema));
  }

  async keysWithPrefix(prefix: string): Promise<string[]> {
    if (typeof prefix !== 'string') throw new TypeError('keysWithPrefix: prefix must be a string');
    return this.backend.keysWithPrefix(prefix);
  }

  async ping(): Promise<void> {
    return this.backend.ping();
  }

  async close(): Promise<void> {
    return this.backend.close();
  }
}

/**
 * Parses and validates one stored text. The error names the key and the failing paths and zod
 * issue codes only: JSON.parse and zod messages can quote the stored text, which must not reach a log.
 */
function decode<T>(key: string, text: string, schema: ZodType<T>): T {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new StoreCorruptError(key, 'is not valid JSON');
  }
  const result = schema.safeParse(data);
  if (!result.success) {
    const where = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.code}`)
      .join(', ');
    throw new StoreCorruptError(key, `does not match its schema (${where})`);
  }
  return result.data;
}

function checkKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0)
    throw new TypeError('store keys must be non-empty strings');
  return key;
}

function checkOwner(owner: string): string {
  if (typeof owner !== 'string' || owner.length === 0)
    throw new TypeError('lease owners must be non-empty strings');
  return owner;
}

/** Redis PX takes whole milliseconds >= 1; round up so a TTL never ends early. */
function checkTtl(ttlMs: number | undefined): number | undefined {
  return ttlMs === undefined ? undefined : requireTtl(ttlMs);
}

function requireTtl(ttlMs: number): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError('TTLs must be finite numbers of milliseconds > 0');
  }
  return Math.ceil(ttlMs);
}
