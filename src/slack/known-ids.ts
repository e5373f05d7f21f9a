import type { App } from '@slack/bolt';
import type { Logger } from '../logging/logger.js';
import { ACTION_IDS, SLASH_COMMAND, VIEW_IDS } from './ids.js';

const ACTIONS = new Set<string>(Object.values(ACTION_IDS));
const VIEWS = new Set<string>(Object.values(VIEW_IDS));

/**
 * Interactions this bot has no listener for (an old message's button after an upgrade, a forged
 * payload, a view from another app) are acked at once and logged. Left alone, Bolt would answer
 * them with a 404 after 3 s, and the user would see Slack's error instead of nothing happening.
 */
export function ackUnknownInteractions(app: App, log: Logger): void {
  app.use(async (args) => {
    const body = args.body as {
      type?: string;
      command?: string;
      actions?: Array<{ action_id?: string }>;
      view?: { callback_id?: string };
    };
    const ack = (args as unknown as { ack?: (r?: unknown) => Promise<void> }).ack;
    let unknown: string | undefined;
    if (body.type === 'block_actions') {
      const id = body.actions?.[0]?.action_id ?? '';
      if (!ACTIONS.has(id)) unknown = `action ${id}`;
    } else if (body.type === 'view_submission' || body.type === 'view_closed') {
      const id = body.view?.callback_id ?? '';
      if (!VIEWS.has(id)) unknown = `view ${id}`;
    } else if (body.command !== undefined && body.command !== SLASH_COMMAND) {
      unknown = `command ${body.command}`;
    } else if (
      body.type &&
      !['block_actions', 'view_submission', 'view_closed', 'event_callback'].includes(body.type)
    ) {
      unknown = `interaction ${body.type}`;
    }
    if (unknown && ack) {
      log.warn(
        { event: 'unknown_interaction', what: unknown.slice(0, 120) },
        'acked an interaction the bot has no listener for',
      );
      await ack();
      return;
    }
    await args.next();
  });
}
