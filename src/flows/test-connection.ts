import type { CloudKnoxPort, ServiceNowPort } from './ports.js';
import { sameEndpoint } from './same-endpoint.js';

/**
 * DESIGN §4.1: the three checks of "Test Connection", run in parallel. Each check ends in a result
 * (never a thrown error) so one failing neighbour cannot hide what the other two found. Errors stay
 * as values here; the Slack layer turns them into words.
 */
export type CheckId = 'cloudknox_to_servicenow' | 'integration_user' | 'servicenow_to_cloudknox';

export type CheckOutcome =
  | { kind: 'ok'; detail: CheckDetail }
  | { kind: 'failed'; detail: CheckDetail }
  | { kind: 'error'; error: unknown };

export type CheckDetail =
  | { type: 'cloudknox_message'; message: string; errorCode?: string }
  | { type: 'user_active'; userName: string }
  | { type: 'user_missing'; userName: string }
  | { type: 'user_locked_out'; userName: string }
  | { type: 'user_inactive'; userName: string }
  | {
      type: 'config_matches';
      table: string;
      apiEndpoint: string;
      serviceAccountId: string;
      accessKey: string;
    }
  | { type: 'config_missing'; table: string }
  | { type: 'config_mismatch'; table: string; mismatches: ConfigMismatch[] };

export interface ConfigMismatch {
  field: 'apiEndpoint' | 'serviceAccountId' | 'accessKey';
  servicenow: string;
  cloudknox: string;
}

export interface ConnectionTestReport {
  checks: Record<CheckId, CheckOutcome>;
  ok: boolean;
  durationMs: number;
}

export interface TestConnectionDeps {
  cloudknox: Pick<CloudKnoxPort, 'getIntegration' | 'testIntegration'>;
  servicenow: ServiceNowPort;
  configTable: string;
  integrationUser: string;
  now?: () => number;
}

async function settle(run: () => Promise<CheckOutcome>): Promise<CheckOutcome> {
  try {
    return await run();
  } catch (error) {
    return { kind: 'error', error };
  }
}

export async function testConnection(deps: TestConnectionDeps): Promise<ConnectionTestReport> {
  const now = deps.now ?? Date.now;
  const started = now();
  // The two ServiceNow reads run one after the other: if the bot's login is refused, the second is
  // skipped, because every failed login counts towards locking the bot's ServiceNow user out.
  const servicenowChecks = (async (): Promise<[CheckOutcome, CheckOutcome]> => {
    const user = await settle(() => checkIntegrationUser(deps));
    if (user.kind === 'error' && isLoginRefusal(user.error)) return [user, user];
    return [user, await settle(() => checkServiceNowToCloudKnox(deps))];
  })();
  const [toServiceNow, [user, toCloudKnox]] = await Promise.all([
    settle(() => checkCloudKnoxToServiceNow(deps)),
    servicenowChecks,
  ]);
  const checks = {
    cloudknox_to_servicenow: toServiceNow,
    integration_user: user,
    servicenow_to_cloudknox: toCloudKnox,
  };
  return {
    checks,
    ok: Object.values(checks).every((c) => c.kind === 'ok'),
    durationMs: now() - started,
  };
}

function isLoginRefusal(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SERVICENOW_AUTH_FAILED' || code === 'SERVICENOW_MFA_REQUIRED';
}

async function checkCloudKnoxToServiceNow(deps: TestConnectionDeps): Promise<CheckOutcome> {
  const result = await deps.cloudknox.testIntegration();
  return result.status === 'SUCCESS'
    ? { kind: 'ok', detail: { type: 'cloudknox_message', message: result.message } }
    : {
        kind: 'failed',
        detail: { type: 'cloudknox_message', message: result.message, errorCode: result.errorCode },
      };
}

async function checkIntegrationUser(deps: TestConnectionDeps): Promise<CheckOutcome> {
  const userName = deps.integrationUser;
  const user = await deps.servicenow.getUserByName(userName);
  if (!user) return { kind: 'failed', detail: { type: 'user_missing', userName } };
  if (user.lockedOut) return { kind: 'failed', detail: { type: 'user_locked_out', userName } };
  if (!user.active) return { kind: 'failed', detail: { type: 'user_inactive', userName } };
  return { kind: 'ok', detail: { type: 'user_active', userName } };
}

async function checkServiceNowToCloudKnox(deps: TestConnectionDeps): Promise<CheckOutcome> {
  const table = deps.configTable;
  const [record, integration] = await Promise.all([
    deps.servicenow.getConfigRecord(table),
    deps.cloudknox.getIntegration(),
  ]);
  if (!record) return { kind: 'failed', detail: { type: 'config_missing', table } };
  const mismatches: ConfigMismatch[] = [];
  if (!sameEndpoint(record.apiEndpoint, integration.apiEndpoint)) {
    mismatches.push({
      field: 'apiEndpoint',
      servicenow: record.apiEndpoint,
      cloudknox: integration.apiEndpoint,
    });
  }
  if (record.serviceAccountId.trim() !== integration.serviceAccountId.trim()) {
    mismatches.push({
      field: 'serviceAccountId',
      servicenow: record.serviceAccountId,
      cloudknox: integration.serviceAccountId,
    });
  }
  if (record.accessKey.trim() !== integration.accessKey.trim()) {
    mismatches.push({ field: 'accessKey', servicenow: record.accessKey, cloudknox: integration.accessKey });
  }
  if (mismatches.length > 0)
    return { kind: 'failed', detail: { type: 'config_mismatch', table, mismatches } };
  return {
    kind: 'ok',
    detail: {
      type: 'config_matches',
      table,
      apiEndpoint: integration.apiEndpoint,
      serviceAccountId: integration.serviceAccountId,
      accessKey: integration.accessKey,
    },
  };
}
