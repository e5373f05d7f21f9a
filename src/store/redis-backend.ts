import KeyvRedis from '@keyv/redis';
import { Keyv, type DeserializedData } from 'keyv';
import { DeadlineExceededError, withDeadline } from './deadline.js';
import { isStoreError, StoreUnavailableError, wrongKindError, type StoreError } from './errors.js';
import { describeError, type RedisClient } from './redis-connection.js';
import { dataKey, dataKeyPattern, fromDataKey, leaseKey } from './redis-keys.js';
import { COMPARE_AND_SET, PUSH_CAPPED, RELEASE_LEASE, RENEW_LEASE } from './redis-scripts.js';
import type { StoreBackend } from './store-backend.js';

/**
 * The shared store on Redis, safe for several replicas.
 *
 * Plain get/set/delete go through keyv with @keyv/redis; the atomic operations are Redis commands
 * and Lua scripts on the same client. Both see the same bytes because of two choices:
 * - key names: keyv runs with `useKeyPrefix: false` and the adapter prefixes "<namespace>::", the
 *   naming `redis-keys.ts` reproduces for the raw commands;
 * - serialisation: keyv is given a serializer that stores the canonical JSON text as is, instead of
 *   its default `{"value":…,"expires":…}` envelope. Expiry is Redis's own (keyv passes the TTL to
 *   SET … PX), so the envelope's `expires` would only duplicate it, depend on each replica's clock,
 *   and stop a Lua script from comparing a stored value with a plain string equality.
 * So a Redis string under "<namespace>::<key>" is exactly the value's canonical JSON, whichever path
 * wrote it. Lists (pushCapped) are Redis lists of such texts; keyv never touches them.
 *
 * Failures: keyv and the adapter are told to throw (their default is to emit an event and return
 * "absent", which would turn an outage into "no such request"). Every call has a deadline, and any
 * failure other than a wrong-kind key becomes StoreUnavailableError.
 */
export class RedisBackend implements StoreBackend {
  readonly #client: RedisClient;
  readonly #keyv: Keyv<string>;
  readonly #namespace: string;
  readonly #commandTimeoutMs: number;
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(client: RedisClient, namespace: string, commandTimeoutMs: number) {
    this.#client = client;
    this.#namespace = namespace;
    this.#commandTimeoutMs = commandTimeoutMs;
    const adapter = new KeyvRedis<string>(client, {
      namespace,
      throwOnErrors: true,
      throwOnConnectError: true,
    });
    this.#keyv = new Keyv<string>(adapter, {
      namespace,
      useKeyPrefix: false,
      throwOnErrors: true,
      serialize: storeTextAsIs,
      deserialize: readTextAsIs,
    });
  }

  get(key: string): Promise<string | undefined> {
    return this.#run(key, () => this.#keyv.get(key));
  }

  set(key: string, json: string, ttlMs?: number): Promise<void> {
    return this.#run(key, async () => {
      await this.#keyv.set(key, json, ttlMs);
    });
  }

  delete(key: string): Promise<boolean> {
    return this.#run(key, () => this.#keyv.delete(key));
  }

  setIfAbsent(key: string, json: string, ttlMs?: number): Promise<boolean> {
    return this.#run(key, () => this.#setNx(dataKey(this.#namespace, key), json, ttlMs));
  }

  compareAndSet(key: string, expectedJson: string, nextJson: string, ttlMs?: number): Promise<boolean> {
    return this.#run(key, () =>
      this.#script(COMPARE_AND_SET, dataKey(this.#namespace, key), [expectedJson, nextJson, ttlArg(ttlMs)]),
    );
  }

  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.#run(name, () => this.#setNx(leaseKey(this.#namespace, name), owner, ttlMs));
  }

  renewLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.#run(name, () =>
      this.#script(RENEW_LEASE, leaseKey(this.#namespace, name), [owner, ttlArg(ttlMs)]),
    );
  }

  releaseLease(name: string, owner: string): Promise<boolean> {
    return this.#run(name, () => this.#script(RELEASE_LEASE, leaseKey(this.#namespace, name), [owner]));
  }

  leaseOwner(name: string): Promise<string | undefined> {
    return this.#run(
      name,
      async () => (await this.#client.get(leaseKey(this.#namespace, name))) ?? undefined,
    );
  }

  pushCapped(key: string, json: string, max: number, ttlMs?: number): Promise<void> {
    return this.#run(key, async () => {
      await this.#script(PUSH_CAPPED, dataKey(this.#namespace, key), [json, String(max), ttlArg(ttlMs)]);
    });
  }

  listRange(key: string, limit: number): Promise<string[]> {
    return this.#run(key, () => this.#client.lRange(dataKey(this.#namespace, key), 0, limit - 1));
  }

  /** SCAN, never KEYS: KEYS blocks Redis for every client while it walks the whole keyspace. */
  async keysWithPrefix(prefix: string): Promise<string[]> {
    const pattern = dataKeyPattern(this.#namespace, prefix);
    const found = new Set<string>(); // SCAN may return a key more than once
    let cursor = '0';
    do {
      // One deadline per page: a large keyspace takes several round trips, each of them quick.
      const page = await this.#run(undefined, () =>
        this.#client.scan(cursor, { MATCH: pattern, COUNT: 1000 }),
      );
      cursor = String(page.cursor);
      for (const key of page.keys) found.add(fromDataKey(this.#namespace, key));
    } while (cursor !== '0');
    return [...found].sort();
  }

  async ping(): Promise<void> {
    await this.#run(undefined, () => this.#client.ping());
  }

  /** Lets operations in flight finish (each is bounded by its deadline), then drops the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
    try {
      this.#client.destroy();
    } catch {
      // already closed
    }
  }

  async #setNx(redisKey: string, text: string, ttlMs: number | undefined): Promise<boolean> {
    const reply = await this.#client.set(redisKey, text, {
      condition: 'NX',
      ...(ttlMs === undefined ? {} : { expiration: { type: 'PX' as const, value: ttlMs } }),
    });
    return reply === 'OK';
  }

  async #script(script: string, redisKey: string, args: string[]): Promise<boolean> {
    return Number(await this.#client.eval(script, { keys: [redisKey], arguments: args })) === 1;
  }

  async #run<T>(key: string | undefined, op: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreUnavailableError('the store is closed');
    const pending = withDeadline(Promise.resolve().then(op), this.#commandTimeoutMs);
    this.#inFlight.add(pending);
    try {
      return await pending;
    } catch (err) {
      throw toStoreError(err, key);
    } finally {
      this.#inFlight.delete(pending);
    }
  }
}

function ttlArg(ttlMs: number | undefined): string {
  return ttlMs === undefined ? '' : String(ttlMs);
}

/** keyv serializer: the value already is canonical JSON text; store it without an envelope. */
function storeTextAsIs<Value>(data: DeserializedData<Value>): string {
  return String(data.value);
}

/** keyv deserializer: no `expires`, Redis has already dropped expired keys. */
function readTextAsIs<Value>(text: string): DeserializedData<Value> {
  return { value: text as unknown as Value };
}

function toStoreError(err: unknown, key: string | undefined): StoreError {
  if (isStoreError(err)) return err;
  if (err instanceof DeadlineExceededError) {
    return new StoreUnavailableError(`Redis did not answer within ${err.ms} ms`);
  }
  // A value command on a list key or the reverse; inside a Lua script the reply still names it.
  if (key !== undefined && err instanceof Error && /\bWRONGTYPE\b/.test(err.message))
    return wrongKindError(key);
  return new StoreUnavailableError(`Redis is unavailable: ${describeError(err)}`, { cause: err });
}
