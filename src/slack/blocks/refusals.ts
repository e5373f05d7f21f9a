import type { AccessDecision, Role } from '../../access/access-control.js';
import { SLASH_COMMAND } from '../ids.js';
import { code } from '../mrkdwn.js';
import type { SlackMessage } from './types.js';

/** Mentions for user and group IDs, so Slack renders the current names. */
export function mentionIds(ids: string[]): string {
  if (ids.length === 0) return 'nobody is configured';
  return ids.map((id) => (id.startsWith('S') ? `<!subteam^${id}>` : `<@${id}>`)).join(', ');
}

const ROLE_NAME: Record<Role, string> = { admin: 'CloudKnox admins', approver: 'CloudKnox approvers' };

/**
 * `action` is a subcommand (`servicenow test`) or, for buttons, what the button does in words
 * (`{ verb: 'approve key rotations' }`).
 */
export function accessRefusedMessage(
  decision: Extract<AccessDecision, { allowed: false }>,
  action: string | { verb: string },
  roles: Role[],
): SlackMessage {
  const who = roles.map((r) => ROLE_NAME[r]).join(' or ');
  const what = typeof action === 'string' ? `run ${code(`${SLASH_COMMAND} ${action}`)}` : action.verb;
  const text =
    decision.reason === 'group_lookup_failed'
      ? `I couldn't check your user-group membership with Slack just now, so you can't ${what} at the moment. Try again in a minute; if it keeps failing, ask an operator to list you by user ID.`
      : `Only ${who} can ${what}. Allowed: ${mentionIds(decision.allowedIds)}. Ask one of them, or an operator to add you to the allow-list.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
