import type { KnownBlock } from '@slack/types';
import type { SaveOutcome } from '../../flows/save-connection.js';
import { maskAccessKey } from '../../masking.js';
import { SLASH_COMMAND } from '../ids.js';
import { code, escapeMrkdwn } from '../mrkdwn.js';
import { slackDate } from './format.js';
import type { SlackMessage } from './types.js';

export const TEST_ACTIONS_BLOCK_ID = 'connection_test_actions';

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** Why Save Connection was refused, and what to do: test first. */
export function saveRefusedMessage(outcome: Extract<SaveOutcome, { kind: 'refused' }>): SlackMessage {
  const next = `Run ${code(`${SLASH_COMMAND} servicenow test`)}, then press *Save Connection* on its result.`;
  const text =
    outcome.reason === 'no_test'
      ? `:no_entry: Not saved: Save Connection needs a successful Test Connection in the last 15 minutes, and there is none. ${next}`
      : `:no_entry: Not saved: the last successful Test Connection was at ${slackDate(outcome.lastAt)}, more than 15 minutes ago. ${next}`;
  return { text, blocks: [section(text)] };
}

/** Posted in the channel when the connection was saved from the command. */
export function savedMessage(outcome: Extract<SaveOutcome, { kind: 'saved' }>, by: string): SlackMessage {
  const i = outcome.integration;
  const text = `:white_check_mark: Connection saved by <@${by}> at ${slackDate(outcome.at)}: ServiceNow ${escapeMrkdwn(i.endpoint)} as ${code(i.username)}, Access Key ${maskAccessKey(i.accessKey)} (tested by <@${outcome.test.by}> at ${slackDate(outcome.test.at)}).`;
  return { text, blocks: [section(text)] };
}

/**
 * The test result message after saving: the Save Connection button is gone (saving twice is
 * pointless) and a line says who saved it and when. Pure: takes the blocks as posted.
 */
export function markSaved(
  message: { text?: string; blocks?: unknown[] },
  by: string,
  at: number,
): SlackMessage {
  const blocks = ((message.blocks ?? []) as KnownBlock[]).filter((b) => b.block_id !== TEST_ACTIONS_BLOCK_ID);
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `:floppy_disk: Saved by <@${by}> at ${slackDate(at)}` }],
  });
  return { text: `${message.text ?? 'ServiceNow connection test'} (saved)`, blocks };
}
