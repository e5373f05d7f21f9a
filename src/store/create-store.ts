import { JsonStateStore } from './json-store.js';
import { MemoryBackend } from './memory-backend.js';
import { RedisBackend } from './redis-backend.js';
import { openRedisClient, type ConnectionChange } from './redis-connection.js';
import type { StateStore } from './state-store.js';

export type { ConnectionChange } from './redis-connection.js';

export interface StoreOptions {
  /** Redis when set (several replicas share it); otherwise memory, for a single process. */
  redisUrl?: string | undefined;
  /**
   * Prefix of every Redis key, so several bots (or test runs) can share one Redis. Letters, digits,
   * ".", "_", "-". The memory store is private to its process and needs none.
   */
  namespace?: string | undefined;
  /** Longest wait for any one Redis call before it fails with StoreUnavailableError. */
  commandTimeoutMs?: number | undefined;
  /** Longest wait for one Redis connection attempt. */
  connectTimeoutMs?: number | undefined;
  /** Redis connection lost / regained, for the log. Not called for the memory store. */
  onConnectionChange?: ((change: ConnectionChange) => void) | undefined;
}

export const DEFAULT_NAMESPACE = 'cloudknox-chatops';
/** Well under Slack's 3 s ack budget; a healthy Redis answers these small commands in a millisecond. */
const DEFAULT_COMMAND_TIMEOUT_MS = 500;
const DEFAULT_CONNECT_TIMEOUT_MS = 2000;

/**
 * Builds the store: memory by default, Redis when `redisUrl` is set. With Redis down at start it
 * still resolves (after one connection attempt) and reports not-ready: `ping()` and every
 * operation throw StoreUnavailableError until the client, retrying by itself, connects.
 */
export async function createStore(opts: StoreOptions = {}): Promise<StateStore> {
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  // No ':' so that data keys "<ns>::…" and lease keys "<ns>:lease::…" can never overlap.
  if (!/^[A-Za-z0-9_.-]+$/.test(namespace)) {
    throw new TypeError('store namespace must be letters, digits, ".", "_" or "-"');
  }
  const commandTimeoutMs = positiveInt(opts.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS, 'commandTimeoutMs');
  const connectTimeoutMs = positiveInt(opts.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, 'connectTimeoutMs');

  if (!opts.redisUrl) return new JsonStateStore(new MemoryBackend());

  const client = await openRedisClient(opts.redisUrl, {
    connectTimeoutMs,
    onConnectionChange: opts.onConnectionChange,
  });
  return new JsonStateStore(new RedisBackend(client, namespace, commandTimeoutMs));
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer`);
  return value;
}
