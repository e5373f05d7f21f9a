/**
 * What the bot remembers about connection tests (DESIGN §4.1): the last successful test, so Save is
 * allowed only shortly after one, and recent failures, so repeated failing tests (each a failed
 * ServiceNow login somewhere) stop before they lock the integration user out.
 */
export interface TestRecord {
  at: number;
  by: string;
  ok: boolean;
  /** Where the result message is, so saving can update it in place. */
  channel?: string | undefined;
  ts?: string | undefined;
  /** The posted result as the chat layer built it (masked, no secrets); opaque to flows. */
  message?: unknown;
}

export interface SaveRecord {
  at: number;
  by: string;
}

export interface ConnectionLedger {
  recordTest(result: TestRecord): Promise<void>;
  lastSuccessfulTest(): Promise<TestRecord | undefined>;
  /** Times of failed tests, newest first, not older than `since`. */
  failedTestsSince(since: number): Promise<number[]>;
  recordSave(save: SaveRecord): Promise<void>;
  /**
   * One test at a time, across replicas: without this, parallel tests could each pass the
   * cool-down check and together lock the ServiceNow user out. False when one is running.
   */
  beginTest(owner: string): Promise<boolean>;
  endTest(owner: string): Promise<void>;
}

export const TEST_WINDOW_MS = 15 * 60_000;
export const MAX_FAILED_TESTS = 3;

/**
 * After MAX_FAILED_TESTS failures inside TEST_WINDOW_MS, tests pause until the oldest of those
 * failures leaves the window. Returns when the next test is allowed, or undefined when it is now.
 */
export function testCooldownUntil(failuresNewestFirst: number[], now: number): number | undefined {
  const recent = failuresNewestFirst.filter((t) => t > now - TEST_WINDOW_MS).sort((a, b) => b - a);
  if (recent.length < MAX_FAILED_TESTS) return undefined;
  return recent[MAX_FAILED_TESTS - 1]! + TEST_WINDOW_MS;
}

export type SaveGate =
  | { allowed: true; test: TestRecord }
  | { allowed: false; reason: 'no_test' }
  | { allowed: false; reason: 'stale_test'; lastAt: number };

/** Saving needs a successful test in the last TEST_WINDOW_MS (the product's "Test, then Save"). */
export function saveGate(lastSuccess: TestRecord | undefined, now: number): SaveGate {
  if (!lastSuccess) return { allowed: false, reason: 'no_test' };
  if (lastSuccess.at <= now - TEST_WINDOW_MS)
    return { allowed: false, reason: 'stale_test', lastAt: lastSuccess.at };
  return { allowed: true, test: lastSuccess };
}
