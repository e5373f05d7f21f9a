import type {
  AllMiddlewareArgs,
  App,
  BlockButtonAction,
  SlackActionMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import { errorSummary } from '../logging/error-summary.js';
import { describeError } from './error-text.js';
import { requestLog } from './request-log.js';

export type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;
export type ButtonHandler = (args: ButtonArgs) => Promise<void>;
export type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
export type ViewHandler = (args: ViewArgs) => Promise<void>;

/**
 * One Bolt listener for every button and one for every modal submission, each dispatching on the
 * id through a table (as the slash command dispatches on its subcommand). Bolt runs the matchers
 * of every registered listener on every request, copying its argument object each time; with one
 * listener per id that was a tenth of the bot's CPU for a plain ack (`npm run bench`).
 *
 * Each returns the ids it handles; anything else is acked before it gets here (known-ids.ts).
 */
export function onButtons(app: App, handlers: Record<string, ButtonHandler>): ReadonlySet<string> {
  app.action<BlockButtonAction>({ type: 'block_actions' }, async (args) => {
    const id = args.action.action_id;
    if (Object.hasOwn(handlers, id)) await answered(handlers[id]!, args);
  });
  return new Set(Object.keys(handlers));
}

export function onViewSubmissions(app: App, handlers: Record<string, ViewHandler>): ReadonlySet<string> {
  app.view<ViewSubmitAction>({ type: 'view_submission' }, async (args) => {
    const id = args.view.callback_id;
    if (Object.hasOwn(handlers, id)) await handlers[id]!(args);
  });
  return new Set(Object.keys(handlers));
}

/**
 * Fix (issue 5 replica tests): every button acks first, so a failure after the ack (the state store
 * unreachable, say) reached only Bolt's error log and the clicker heard nothing. Now they are told,
 * ephemerally: "The bot's state store is temporarily unavailable, so nothing was changed. …".
 */
async function answered(handler: ButtonHandler, args: ButtonArgs): Promise<void> {
  try {
    await handler(args);
  } catch (err) {
    requestLog(args.context).error({ event: 'action_failed', err: errorSummary(err) }, 'button failed');
    await args
      .respond({ response_type: 'ephemeral', replace_original: false, text: `:x: ${describeError(err)}` })
      .catch(() => undefined);
  }
}
