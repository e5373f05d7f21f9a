import { code } from '../mrkdwn.js';
import { slackDate } from './format.js';
import type { SlackMessage } from './types.js';

/** Refusal while tests are paused after repeated failures (failed logins lock ServiceNow users). */
export function testCooldownMessage(until: number, integrationUser: string): SlackMessage {
  const text =
    `:hourglass_flowing_sand: Test Connection is paused until ${slackDate(until)}: 3 tests failed in the last 15 minutes, ` +
    `and each failed test can be a failed ServiceNow login (for ${code(integrationUser)}, or for the bot's own ServiceNow user). Repeated failures lock users out. ` +
    'Fix the cause shown in the last result, then test again after the pause.';
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** Refusal while another test is running (tests run one at a time, across replicas). */
export function testRunningMessage(): SlackMessage {
  const text =
    ':hourglass_flowing_sand: A connection test is already running; its result will be posted shortly. ' +
    'Tests run one at a time so that failing ones cannot pile up failed ServiceNow logins.';
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
