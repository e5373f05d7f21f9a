import { code } from '../mrkdwn.js';
import { slackDate } from './format.js';
import type { SlackMessage } from './types.js';

/** Refusal while tests are paused after repeated failures (failed logins lock ServiceNow users). */
export function testCooldownMessage(until: number, integrationUser: string): SlackMessage {
  const text =
    `:hourglass_flowing_sand: Test Connection is paused until ${slackDate(until)}: 3 tests failed in the last 15 minutes, ` +
    `and each failed test can be a failed ServiceNow login for ${code(integrationUser)}. Repeated failures lock that user out. ` +
    'Fix the cause shown in the last result, then test again after the pause.';
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
