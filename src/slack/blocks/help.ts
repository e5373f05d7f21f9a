import type { KnownBlock } from '@slack/types';
import { SLASH_COMMAND } from '../ids.js';
import { code } from '../mrkdwn.js';
import type { SlackMessage } from './types.js';

const USAGE: Array<[string, string]> = [
  ['servicenow show', 'the Integration tab: endpoints, service account and masked access key'],
  [
    'servicenow test',
    'Test Connection: CloudKnox → ServiceNow, the integration user, ServiceNow → CloudKnox',
  ],
  ['servicenow save', 'Save Connection (after a successful test in the last 15 minutes)'],
  ['keys show', 'active access keys, masked, with their age'],
  ['keys rotate [reason]', 'Generate New Key: approval, emailed code, rotation in CloudKnox and ServiceNow'],
  ['audit [n]', 'the latest n audit events (default 20)'],
  ['help', 'this message'],
];

function usageBlock(): KnownBlock {
  return {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: USAGE.map(([cmd, what]) => `${code(`${SLASH_COMMAND} ${cmd}`)}: ${what}`).join('\n'),
    },
  };
}

let help: SlackMessage | undefined;

/** The same for everyone, every time: built once (`help` is the command most often typed). */
export function helpMessage(): SlackMessage {
  return (help ??= buildHelpMessage());
}

function buildHelpMessage(): SlackMessage {
  return {
    text: `${SLASH_COMMAND} commands: ${USAGE.map(([c]) => c).join(', ')}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: '*CloudKnox ↔ ServiceNow from Slack*' } },
      usageBlock(),
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: `Example: ${code(`${SLASH_COMMAND} keys rotate quarterly rotation`)}` },
        ],
      },
    ],
  };
}

export function unknownCommandMessage(input: string, suggestion: string | undefined): SlackMessage {
  const lead = suggestion
    ? `I don't know ${code(input)}. Did you mean ${code(`${SLASH_COMMAND} ${suggestion}`)}?`
    : `I don't know ${code(input)}.`;
  return {
    text: suggestion ? `Unknown command. Did you mean ${SLASH_COMMAND} ${suggestion}?` : 'Unknown command.',
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${lead} Here is what I can do:` } },
      usageBlock(),
    ],
  };
}
