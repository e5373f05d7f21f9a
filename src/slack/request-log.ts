import { randomUUID } from 'node:crypto';
import type { App, Context } from '@slack/bolt';
import type { Logger } from '../logging/logger.js';

const KEY = 'requestLog';

/**
 * One child logger per Slack request (DESIGN §6), carrying team, user, command or action and a
 * request id, so every line of one request can be found together.
 */
export function installRequestLogger(app: App, base: Logger): void {
  app.use(async ({ context, body, next }) => {
    const b = body as Record<string, unknown> & {
      user?: { id?: string };
      team?: { id?: string };
      actions?: Array<{ action_id?: string }>;
      view?: { callback_id?: string };
    };
    context[KEY] = base.child({
      requestId: randomUUID(),
      team: context.teamId ?? b.team?.id ?? b['team_id'],
      user: context.userId ?? b.user?.id ?? b['user_id'],
      command: b['command'],
      action: b.actions?.[0]?.action_id ?? b.view?.callback_id,
    });
    await next();
  });
}

export function requestLog(context: Context): Logger {
  return context[KEY] as Logger;
}
