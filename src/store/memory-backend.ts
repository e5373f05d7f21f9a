import { Keyv } from 'keyv';
import { StoreUnavailableError, wrongKindError } from './errors.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { StoreBackend } from './store-backend.js';

/** A value entry holds canonical JSON text; a list entry holds those texts, newest first. */
type Entry = string | string[];

/**
 * The single-process store: keyv over its built-in Map, which keeps `{value, expires}` and drops
 * an entry when it is read after its expiry.
 *
 * The Map belongs to this instance alone, so keys are stored without a namespace prefix (keyv's
 * prefixing skips keys that already start with "<namespace>:", which would let two keys collide).
 *
 * Atomicity: every operation on a key runs under that key's mutex. keyv's API is async, so a
 * compare-and-set is a read, an await and a write; the mutex makes that sequence indivisible with
 * respect to every other operation on the key (including keyv's own delete-on-expired-read).
 */
export class MemoryBackend implements StoreBackend {
  readonly #data = new Keyv<Entry>({ useKeyPrefix: false, throwOnErrors: true });
  readonly #leases = new Keyv<string>({ useKeyPrefix: false, throwOnErrors: true });
  readonly #dataLocks = new KeyedMutex();
  readonly #leaseLocks = new KeyedMutex();
  #closed = false;

  get(key: string): Promise<string | undefined> {
    return this.#onData(key, async () => {
      const entry = await this.#data.get(key);
      if (entry !== undefined && typeof entry !== 'string') throw wrongKindError(key);
      return entry;
    });
  }

  set(key: string, json: string, ttlMs?: number): Promise<void> {
    return this.#onData(key, async () => {
      await this.#data.set(key, json, ttlMs);
    });
  }

  delete(key: string): Promise<boolean> {
    return this.#onData(key, async () => {
      // keyv's Map delete also reports true for an entry that has expired but not been swept.
      if ((await this.#data.get(key)) === undefined) return false;
      return this.#data.delete(key);
    });
  }

  setIfAbsent(key: string, json: string, ttlMs?: number): Promise<boolean> {
    return this.#onData(key, async () => {
      if ((await this.#data.get(key)) !== undefined) return false;
      await this.#data.set(key, json, ttlMs);
      return true;
    });
  }

  compareAndSet(key: string, expectedJson: string, nextJson: string, ttlMs?: number): Promise<boolean> {
    return this.#onData(key, async () => {
      const raw = await this.#data.getRaw(key);
      if (raw === undefined) return false;
      if (typeof raw.value !== 'string') throw wrongKindError(key);
      if (raw.value !== expectedJson) return false;
      await this.#data.set(key, nextJson, ttlMs ?? remainingTtl(raw.expires));
      return true;
    });
  }

  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.#onLease(name, async () => {
      if ((await this.#leases.get(name)) !== undefined) return false;
      await this.#leases.set(name, owner, ttlMs);
      return true;
    });
  }

  renewLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.#onLease(name, async () => {
      if ((await this.#leases.get(name)) !== owner) return false;
      await this.#leases.set(name, owner, ttlMs);
      return true;
    });
  }

  releaseLease(name: string, owner: string): Promise<boolean> {
    return this.#onLease(name, async () => {
      if ((await this.#leases.get(name)) !== owner) return false;
      return this.#leases.delete(name);
    });
  }

  leaseOwner(name: string): Promise<string | undefined> {
    return this.#onLease(name, () => this.#leases.get(name));
  }

  pushCapped(key: string, json: string, max: number, ttlMs?: number): Promise<void> {
    return this.#onData(key, async () => {
      const raw = await this.#data.getRaw(key);
      if (raw !== undefined && !Array.isArray(raw.value)) throw wrongKindError(key);
      const list = [json, ...(raw?.value ?? [])].slice(0, max);
      await this.#data.set(key, list, ttlMs ?? remainingTtl(raw?.expires));
    });
  }

  listRange(key: string, limit: number): Promise<string[]> {
    return this.#onData(key, async () => {
      const entry = await this.#data.get(key);
      if (entry === undefined) return [];
      if (!Array.isArray(entry)) throw wrongKindError(key);
      return entry.slice(0, limit);
    });
  }

  async keysWithPrefix(prefix: string): Promise<string[]> {
    this.#checkOpen();
    const map = this.#data.store as Map<string, unknown>;
    const candidates = [...map.keys()].filter((k) => k.startsWith(prefix));
    const live: string[] = [];
    for (const key of candidates) {
      // Reading through keyv drops expired entries, so this scan also sweeps what it passes over.
      const alive = await this.#onData(key, async () => (await this.#data.get(key)) !== undefined);
      if (alive) live.push(key);
    }
    return live.sort();
  }

  async ping(): Promise<void> {
    this.#checkOpen();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#data.clear(), this.#leases.clear()]);
  }

  #onData<T>(key: string, op: () => Promise<T>): Promise<T> {
    this.#checkOpen();
    return this.#dataLocks.run(key, op);
  }

  #onLease<T>(name: string, op: () => Promise<T>): Promise<T> {
    this.#checkOpen();
    return this.#leaseLocks.run(name, op);
  }

  #checkOpen(): void {
    if (this.#closed) throw new StoreUnavailableError('the store is closed');
  }
}

/** What is left of an entry's expiry, so a rewrite keeps it (at least 1 ms: it was alive when read). */
function remainingTtl(expires: number | null | undefined): number | undefined {
  return typeof expires === 'number' ? Math.max(1, expires - Date.now()) : undefined;
}
