import type { KnownBlock } from '@slack/types';
import type {
  CheckId,
  CheckOutcome,
  ConfigMismatch,
  ConnectionTestReport,
} from '../../flows/test-connection.js';
import { maskAccessKey } from '../../masking.js';
import { describeError } from '../error-text.js';
import { ACTION_IDS, SLASH_COMMAND } from '../ids.js';
import { clip, code, escapeMrkdwn } from '../mrkdwn.js';
import { TEST_ACTIONS_BLOCK_ID } from './save-connection.js';
import type { SlackMessage } from './types.js';

export const CONNECTION_OK_TEXT = 'Connection successful, please Save';

const LABEL: Record<CheckId, string> = {
  cloudknox_to_servicenow: 'CloudKnox → ServiceNow',
  integration_user: 'ServiceNow integration user',
  servicenow_to_cloudknox: 'ServiceNow → CloudKnox',
};
const ORDER: CheckId[] = ['cloudknox_to_servicenow', 'integration_user', 'servicenow_to_cloudknox'];

const FIELD_LABEL: Record<ConfigMismatch['field'], string> = {
  apiEndpoint: 'API End Point',
  serviceAccountId: 'Service Account ID',
  accessKey: 'Access Key',
};

function showValue(field: ConfigMismatch['field'], value: string): string {
  return field === 'accessKey' ? maskAccessKey(value) : code(value || '(empty)');
}

function outcomeText(outcome: CheckOutcome): string {
  if (outcome.kind === 'error') return describeError(outcome.error);
  const d = outcome.detail;
  switch (d.type) {
    case 'cloudknox_message':
      return `CloudKnox says: “${escapeMrkdwn(d.message)}”` + (d.errorCode ? ` (${code(d.errorCode)})` : '');
    case 'user_active':
      return `${code(d.userName)} exists and is active.`;
    case 'user_missing':
      return `${code(d.userName)} does not exist in ServiceNow's users (sys_user). Create it, or set SERVICENOW_INTEGRATION_USER to the user CloudKnox logs in as.`;
    case 'user_locked_out':
      return `${code(d.userName)} is locked out, usually after repeated failed logins. Unlock it in ServiceNow (User → Locked out), then test again.`;
    case 'user_inactive':
      return `${code(d.userName)} is inactive. Activate it in ServiceNow, then test again.`;
    case 'config_matches':
      return `${code(d.table)} points at this CloudKnox: Service Account ID ${code(d.serviceAccountId)}, Access Key ${maskAccessKey(d.accessKey)}.`;
    case 'config_missing':
      return `No CloudKnox configuration record in ${code(d.table)}. Configure the CloudKnox application in ServiceNow first.`;
    case 'config_mismatch':
      return (
        `ServiceNow's CloudKnox configuration (${code(d.table)}) does not match CloudKnox:\n` +
        d.mismatches
          .map(
            (m) =>
              `• ${FIELD_LABEL[m.field]}: ServiceNow has ${showValue(m.field, m.servicenow)}, CloudKnox has ${showValue(m.field, m.cloudknox)}` +
              (m.field === 'accessKey' ? ' (stale key: ServiceNow would be refused)' : ''),
          )
          .join('\n')
      );
  }
}

/** One line per check. When two checks fail on the same upstream error, the second one says so briefly. */
function checkLines(report: ConnectionTestReport): string[] {
  const seen = new Set<string>();
  return ORDER.map((id) => {
    const outcome = report.checks[id];
    const icon = outcome.kind === 'ok' ? ':white_check_mark:' : ':x:';
    let text = outcomeText(outcome);
    if (outcome.kind === 'error') {
      if (seen.has(text)) text = 'Not checked: the same problem as above.';
      else seen.add(text);
    }
    return `${icon} *${LABEL[id]}*: ${text}`;
  });
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export interface ConnectionTestContext {
  requestedBy: string;
  servicenowUrl: string;
  cloudknoxUrl: string;
}

/** The one in-channel message a `servicenow test` produces. Pure: same report, same blocks. */
export function connectionTestResultMessage(
  report: ConnectionTestReport,
  ctx: ConnectionTestContext,
): SlackMessage {
  const failed = ORDER.filter((id) => report.checks[id].kind !== 'ok').length;
  const summary = report.ok
    ? `:large_green_circle: *${CONNECTION_OK_TEXT}*`
    : `:red_circle: *Connection test failed*: ${failed} of 3 checks. Fix what is marked :x: and run ${code(`${SLASH_COMMAND} servicenow test`)} again.`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'ServiceNow connection test' } },
    ...checkLines(report).map((line): KnownBlock => ({
      type: 'section',
      text: { type: 'mrkdwn', text: clip(line) },
    })),
    { type: 'section', text: { type: 'mrkdwn', text: summary } },
  ];
  if (report.ok) {
    blocks.push({
      type: 'actions',
      block_id: TEST_ACTIONS_BLOCK_ID,
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.saveConnection,
          style: 'primary',
          text: { type: 'plain_text', text: 'Save Connection' },
          value: 'save',
        },
      ],
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: clip(
          `Requested by <@${ctx.requestedBy}> · ServiceNow ${escapeMrkdwn(ctx.servicenowUrl)} · CloudKnox ${escapeMrkdwn(ctx.cloudknoxUrl)} · ${formatDuration(report.durationMs)}`,
        ),
      },
    ],
  });
  const text = report.ok
    ? `ServiceNow connection test: ${CONNECTION_OK_TEXT}`
    : `ServiceNow connection test failed: ${failed} of 3 checks`;
  return { text, blocks };
}
