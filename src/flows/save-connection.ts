import { saveGate, type ConnectionLedger, type TestRecord } from './connection-ledger.js';
import type { CloudKnoxPort, Integration } from './ports.js';

export type SaveOutcome =
  | { kind: 'saved'; integration: Integration; test: TestRecord; at: number }
  | { kind: 'refused'; reason: 'no_test' }
  | { kind: 'refused'; reason: 'stale_test'; lastAt: number };

/**
 * Save Connection: refused unless a test succeeded within the window; otherwise CloudKnox saves and
 * the save is remembered. CloudKnox errors propagate to the caller, which words them.
 */
export async function saveConnection(deps: {
  cloudknox: Pick<CloudKnoxPort, 'saveIntegration'>;
  ledger: ConnectionLedger;
  userId: string;
  now?: () => number;
}): Promise<SaveOutcome> {
  const now = deps.now ?? Date.now;
  const gate = saveGate(await deps.ledger.lastSuccessfulTest(), now());
  if (!gate.allowed)
    return gate.reason === 'no_test'
      ? { kind: 'refused', reason: 'no_test' }
      : { kind: 'refused', reason: 'stale_test', lastAt: gate.lastAt };
  const integration = await deps.cloudknox.saveIntegration();
  const at = now();
  await deps.ledger.recordSave({ at, by: deps.userId });
  return { kind: 'saved', integration, test: gate.test, at };
}
