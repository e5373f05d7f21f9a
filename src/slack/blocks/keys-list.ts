import type { KnownBlock } from '@slack/types';
import type { AccessKeyInfo } from '../../flows/ports.js';
import { maskAccessKey } from '../../masking.js';
import { SLASH_COMMAND } from '../ids.js';
import { code } from '../mrkdwn.js';
import { ageInDays, slackDate } from './format.js';
import type { SlackMessage } from './types.js';

/** Keys older than this get a nudge to rotate (a common policy; CloudKnox itself flags 90 days). */
export const ROTATE_AFTER_DAYS = 90;

/** `/cloudknox keys show`: active access keys, masked, with created on, last used and age in days. */
export function keysListMessage(keys: AccessKeyInfo[], now: number): SlackMessage {
  const active = keys.filter((k) => k.status.toUpperCase() === 'ACTIVE');
  const revoked = keys.length - active.length;
  const lines = active.map((k) => {
    const age = ageInDays(k.createdOn, now);
    const old = age !== undefined && age >= ROTATE_AFTER_DAYS ? ' :warning: rotation due' : '';
    const used = k.lastUsedOn ? slackDate(k.lastUsedOn) : 'never';
    return `${code(maskAccessKey(k.accessKey))} · created ${slackDate(k.createdOn, '{date_short}')} · last used ${used} · ${age ?? '?'} days old${old}`;
  });
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'CloudKnox access keys' } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          lines.length > 0
            ? lines.join('\n')
            : 'No active access key. ServiceNow cannot reach CloudKnox until one exists.',
      },
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${active.length} active${revoked ? `, ${revoked} revoked (not shown)` : ''} · Generate New Key: ${code(`${SLASH_COMMAND} keys rotate [reason]`)}`,
        },
      ],
    },
  ];
  return { text: `${active.length} active CloudKnox access key(s)`, blocks };
}
