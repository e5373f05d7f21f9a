import { describeError } from '../error-text.js';
import type { SlackMessage } from './types.js';

/** An ephemeral answer when a read failed: what happened and what to do, never a stack trace. */
export function errorReply(action: string, err: unknown): SlackMessage {
  const text = `:x: Couldn't ${action}. ${describeError(err)}`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
