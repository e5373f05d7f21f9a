import { randomBytes } from 'node:crypto';
import type { Context } from '@slack/bolt';
import type { Logger } from '../logging/logger.js';

const KEY = 'requestLog';
/**
 * Request ids are this process's random prefix and a counter: unique across replicas and restarts
 * like a UUID, without drawing random bytes on every request (the ack path is measured by
 * `npm run bench`).
 */
const PROCESS_PREFIX = randomBytes(6).toString('hex');
let counter = 0;
const nextRequestId = () => `${PROCESS_PREFIX}-${(++counter).toString(36)}`;

interface IncomingBody {
  user?: { id?: string };
  team?: { id?: string };
  user_id?: string;
  team_id?: string;
  command?: string;
  actions?: Array<{ action_id?: string }>;
  view?: { callback_id?: string };
}

/**
 * One child logger per Slack request (DESIGN §6), carrying team, user, command or action and a
 * request id, so every line of one request can be found together.
 */
export function attachRequestLog(context: Context, body: unknown, base: Logger): Logger {
  const b = body as IncomingBody;
  const log = base.child({
    requestId: nextRequestId(),
    team: context.teamId ?? b.team?.id ?? b.team_id,
    user: context.userId ?? b.user?.id ?? b.user_id,
    command: b.command,
    action: b.actions?.[0]?.action_id ?? b.view?.callback_id,
  });
  context[KEY] = log;
  return log;
}

export function requestLog(context: Context): Logger {
  return context[KEY] as Logger;
}
