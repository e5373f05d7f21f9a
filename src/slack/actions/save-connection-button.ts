import { saveConnection } from '../../flows/save-connection.js';
import { accessRefusedMessage } from '../blocks/refusals.js';
import { errorReply } from '../blocks/error-reply.js';
import { markSaved, saveRefusedMessage } from '../blocks/save-connection.js';
import type { BotServices } from '../bot-services.js';
import type { ButtonHandler } from '../interaction-listeners.js';
import { requestLog } from '../request-log.js';
import { updateTestResult } from '../update-test-result.js';

/**
 * The **Save Connection** button on a successful test result: admins only, same 15-minute rule as
 * the command; on success the message loses its button and says who saved it.
 */
export function saveConnectionButton(services: BotServices): ButtonHandler {
  return async ({ ack, body, respond, client, context }) => {
    await ack();
    const log = requestLog(context);
    const userId = body.user.id;
    const ephemeral = (m: { text: string; blocks: unknown[] }) =>
      respond({ response_type: 'ephemeral', replace_original: false, ...m } as Parameters<typeof respond>[0]);
    const decision = await services.access.check(userId, ['admin']);
    if (!decision.allowed) {
      await ephemeral(accessRefusedMessage(decision, { verb: 'save the connection' }, ['admin']));
      return;
    }
    try {
      const outcome = await saveConnection({
        cloudknox: services.cloudknox,
        ledger: services.ledger,
        userId,
      });
      if (outcome.kind === 'refused') {
        await ephemeral(saveRefusedMessage(outcome));
        return;
      }
      log.info({ event: 'connection_saved', via: 'button' }, 'connection saved');
      const updated = markSaved(
        { text: body.message?.text, blocks: body.message?.blocks },
        userId,
        outcome.at,
      );
      const channel = body.channel?.id ?? body.container?.channel_id;
      const ts = body.message?.ts ?? body.container?.message_ts;
      const done = channel && ts ? await updateTestResult(client, log, channel, ts, updated) : false;
      // A result posted through response_url (bot not in the channel) can only be replaced that way.
      if (!done) await respond({ replace_original: true, ...updated } as Parameters<typeof respond>[0]);
    } catch (err) {
      log.warn({ event: 'connection_save_failed', code: (err as { code?: string }).code }, 'save failed');
      await ephemeral(errorReply('save the connection in CloudKnox', err));
    }
  };
}
