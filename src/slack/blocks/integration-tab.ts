import type { KnownBlock } from '@slack/types';
import type { Integration } from '../../flows/ports.js';
import { HIDDEN, maskAccessKey } from '../../masking.js';
import { SLASH_COMMAND } from '../ids.js';
import { clip, code, escapeMrkdwn } from '../mrkdwn.js';
import { slackDate } from './format.js';
import type { SlackMessage } from './types.js';

/** Field label → value, as the CloudKnox Integration tab names them. Values are mrkdwn. */
/** Slack caps a field at 2000 characters; upstream values are cut rather than rejected. */
function field(label: string, value: string) {
  return { type: 'mrkdwn' as const, text: clip(`*${label}*\n${value}`, 1990) };
}

/**
 * `/cloudknox servicenow show`: the Integration tab as an ephemeral card. The access key is masked;
 * the secret key and password are the word `hidden` whatever they are.
 */
export function integrationTabMessage(integration: Integration): SlackMessage {
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'CloudKnox Integration: ServiceNow' } },
    {
      type: 'section',
      fields: [
        field('Endpoint for ServiceNow', escapeMrkdwn(integration.endpoint)),
        field('Username', code(integration.username)),
        field('Password', integration.passwordSet ? `_${HIDDEN}_` : '_not set_'),
        field('API End Point', escapeMrkdwn(integration.apiEndpoint)),
        field('Created By', escapeMrkdwn(integration.createdBy)),
        field('Created On', slackDate(integration.createdOn)),
      ],
    },
    {
      type: 'section',
      fields: [
        field('Service Account ID', code(integration.serviceAccountId)),
        field('Access Key', maskAccessKey(integration.accessKey)),
        field('Secret Key', `_${HIDDEN}_`),
      ],
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Test Connection: ${code(`${SLASH_COMMAND} servicenow test`)} · Generate New Key: ${code(`${SLASH_COMMAND} keys rotate [reason]`)}`,
        },
      ],
    },
  ];
  return {
    text: clip(
      `CloudKnox ServiceNow integration: ${escapeMrkdwn(integration.endpoint)}, access key ${maskAccessKey(integration.accessKey)}`,
    ),
    blocks,
  };
}
