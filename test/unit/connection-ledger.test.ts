import { describe, expect, it } from 'vitest';
import {
  saveGate,
  testCooldownUntil,
  TEST_WINDOW_MS,
  type ConnectionLedger,
  type TestRecord,
} from '../../src/flows/connection-ledger.js';
import { saveConnection } from '../../src/flows/save-connection.js';

const MIN = 60_000;

describe('test cool-down', () => {
  const now = 100 * MIN;
  it('allows tests with fewer than 3 failures in 15 minutes', () => {
    expect(testCooldownUntil([now - MIN, now - 2 * MIN], now)).toBeUndefined();
    expect(testCooldownUntil([now - MIN, now - 2 * MIN, now - 16 * MIN], now)).toBeUndefined();
  });
  it('pauses until the third most recent failure leaves the window', () => {
    expect(testCooldownUntil([now - MIN, now - 5 * MIN, now - 10 * MIN], now)).toBe(
      now - 10 * MIN + TEST_WINDOW_MS,
    );
    expect(testCooldownUntil([now - 10 * MIN, now - MIN, now - 5 * MIN, now - 3 * MIN], now)).toBe(
      now - 5 * MIN + TEST_WINDOW_MS,
    );
  });
});

describe('saving', () => {
  const ok = (at: number): TestRecord => ({ at, by: 'U0ADMIN001', ok: true });
  it('needs a successful test within 15 minutes', () => {
    expect(saveGate(undefined, 20 * MIN)).toEqual({ allowed: false, reason: 'no_test' });
    expect(saveGate(ok(0), 15 * MIN)).toEqual({ allowed: false, reason: 'stale_test', lastAt: 0 });
    expect(saveGate(ok(MIN), 15 * MIN)).toMatchObject({ allowed: true });
  });

  it('does not call CloudKnox when refused, and records who saved when allowed', async () => {
    const saves: unknown[] = [];
    let last: TestRecord | undefined = ok(0);
    const ledger: ConnectionLedger = {
      recordTest: async () => undefined,
      lastSuccessfulTest: async () => last,
      failedTestsSince: async () => [],
      recordSave: async (s) => void saves.push(s),
      beginTest: async () => true,
      endTest: async () => undefined,
    };
    let calls = 0;
    const cloudknox = { saveIntegration: async () => (calls++, {} as never) };
    const refused = await saveConnection({ cloudknox, ledger, userId: 'U1', now: () => 16 * MIN });
    expect(refused).toEqual({ kind: 'refused', reason: 'stale_test', lastAt: 0 });
    expect(calls).toBe(0);
    last = ok(10 * MIN);
    const saved = await saveConnection({ cloudknox, ledger, userId: 'U1', now: () => 16 * MIN });
    expect(saved.kind).toBe('saved');
    expect(calls).toBe(1);
    expect(saves).toEqual([{ at: 16 * MIN, by: 'U1' }]);
  });
});
