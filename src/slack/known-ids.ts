import type { Logger } from '../logging/logger.js';

/** What the bot's listeners take (listeners.ts): the slash command, button action ids, modal callback ids. */
export interface KnownIds {
  command: string;
  actionIds: ReadonlySet<string>;
  viewIds: ReadonlySet<string>;
}

const HANDLED_TYPES = new Set(['block_actions', 'view_submission', 'event_callback']);

interface IncomingBody {
  type?: string;
  command?: string;
  actions?: Array<{ action_id?: string }>;
  view?: { callback_id?: string };
}

/** What the bot has no listener for in this request (`action x`, `view y`, …), or undefined. */
function unknownPart(body: IncomingBody, known: KnownIds): string | undefined {
  if (body.type === 'block_actions') {
    const id = body.actions?.[0]?.action_id ?? '';
    return known.actionIds.has(id) ? undefined : `action ${id}`;
  }
  if (body.type === 'view_submission') {
    const id = body.view?.callback_id ?? '';
    return known.viewIds.has(id) ? undefined : `view ${id}`;
  }
  // The bot's modals never ask for view_closed (no notify_on_close) and nothing listens for it.
  if (body.type === 'view_closed') return `view_closed ${body.view?.callback_id ?? ''}`;
  if (body.command !== undefined && body.command !== known.command) return `command ${body.command}`;
  if (body.type && !HANDLED_TYPES.has(body.type)) return `interaction ${body.type}`;
  return undefined;
}

/**
 * Interactions this bot has no listener for (an old message's button after an upgrade, a forged
 * payload, a view from another app) are acked at once and logged. Left alone, Bolt would answer
 * them with a 404 after 3 s, and the user would see Slack's error instead of nothing happening.
 * Resolves true when the request was such an interaction (and has been acked).
 */
export async function ackedIfUnknown(
  known: KnownIds,
  body: unknown,
  ack: ((response?: unknown) => Promise<void>) | undefined,
  log: Logger,
): Promise<boolean> {
  const unknown = unknownPart(body as IncomingBody, known);
  if (!unknown || !ack) return false;
  log.warn(
    { event: 'unknown_interaction', what: unknown.slice(0, 120) },
    'acked an interaction the bot has no listener for',
  );
  await ack();
  return true;
}
