import { z } from 'zod';
import {
  TEST_WINDOW_MS,
  type ConnectionLedger,
  type SaveRecord,
  type TestRecord,
} from '../flows/connection-ledger.js';
import type { StateStore } from './state-store.js';

/** The connection ledger over the state store: shared by every replica, expiring by itself. */
const testRecordSchema = z.object({
  at: z.number(),
  by: z.string(),
  ok: z.boolean(),
  channel: z.string().optional(),
  ts: z.string().optional(),
  message: z.unknown().optional(),
});
const KEYS = {
  lastSuccess: 'connection:last-successful-test',
  failures: 'connection:failed-tests',
  lastSave: 'connection:last-save',
  running: 'connection:test-running',
};
// Longer than any test can take (three checks, each bounded by the client timeouts).
const RUNNING_MS = 60_000;
// Kept a little longer than the window they matter for; they are useless after it.
const KEEP_MS = 2 * TEST_WINDOW_MS;

export class StoreConnectionLedger implements ConnectionLedger {
  constructor(private readonly store: StateStore) {}

  async recordTest(result: TestRecord): Promise<void> {
    if (result.ok) {
      await this.store.set(KEYS.lastSuccess, stripUndefined(result), KEEP_MS);
      return;
    }
    await this.store.pushCapped(KEYS.failures, result.at, 20, KEEP_MS);
    // A newer failed test means the connection is no longer known to be good: nothing to save.
    await this.store.delete(KEYS.lastSuccess);
  }

  beginTest(owner: string): Promise<boolean> {
    return this.store.acquireLease(KEYS.running, owner, RUNNING_MS);
  }

  async endTest(owner: string): Promise<void> {
    await this.store.releaseLease(KEYS.running, owner);
  }

  lastSuccessfulTest(): Promise<TestRecord | undefined> {
    return this.store.get(KEYS.lastSuccess, testRecordSchema);
  }

  async failedTestsSince(since: number): Promise<number[]> {
    const all = await this.store.listRecent(KEYS.failures, z.number(), 20);
    return all.filter((t) => t >= since);
  }

  async recordSave(save: SaveRecord): Promise<void> {
    await this.store.set(KEYS.lastSave, save, KEEP_MS);
  }
}

function stripUndefined<T extends object>(o: T): T {
  return JSON.parse(JSON.stringify(o)) as T;
}
