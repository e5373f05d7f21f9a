import type { KnownBlock } from '@slack/types';
import type { AuditEvent } from '../../flows/rotation/ports.js';
import { code, escapeMrkdwn } from '../mrkdwn.js';
import { slackDate } from './format.js';
import type { SlackMessage } from './types.js';

/** `/cloudknox audit [n]`: the newest audit events, newest first. */
export function auditListMessage(events: AuditEvent[]): SlackMessage {
  const actor = (a: string) => (/^[UW][A-Z0-9]+$/.test(a) ? `<@${a}>` : escapeMrkdwn(a));
  const lines = events.map(
    (e) =>
      `${slackDate(e.at)} · ${code(e.requestId)} · ${escapeMrkdwn(e.action.replace(/_/g, ' '))} by ${actor(e.actor)}` +
      (e.state ? ` → ${escapeMrkdwn(e.state.replace('_', ' '))}` : '') +
      (e.detail ? ` (${escapeMrkdwn(e.detail)})` : ''),
  );
  // Section text is capped at 3000 characters by Slack: split into several sections.
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'CloudKnox audit trail' } },
  ];
  let chunk = '';
  for (const line of lines.length ? lines : ['No audit events yet.']) {
    if (chunk.length + line.length + 1 > 2900) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
      chunk = '';
    }
    chunk += (chunk ? '\n' : '') + line;
  }
  if (chunk) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
  return { text: `${events.length} audit event(s)`, blocks: blocks.slice(0, 50) };
}
