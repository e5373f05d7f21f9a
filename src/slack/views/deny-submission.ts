import type { BotServices } from '../bot-services.js';
import { INPUT_IDS } from '../ids.js';
import type { ViewHandler } from '../interaction-listeners.js';
import { requestLog } from '../request-log.js';
import { refusalText } from '../rotation-refusals.js';
import { updateCard } from '../rotation-updates.js';

/** **Deny** with an optional reason. If someone decided first, the modal says who. */
export function denySubmission(services: BotServices): ViewHandler {
  return async ({ ack, body, view, client, context }) => {
    const log = requestLog(context);
    const access = await services.access.check(body.user.id, ['approver']);
    const errors = (text: string) =>
      ack({ response_action: 'errors', errors: { [INPUT_IDS.denyReason.block]: text } });
    if (!access.allowed) return errors('Only CloudKnox approvers can deny a key rotation.');
    const reason =
      view.state.values[INPUT_IDS.denyReason.block]?.[INPUT_IDS.denyReason.action]?.value?.trim() ||
      undefined;
    const result = await services.rotation.decide(view.private_metadata, body.user.id, 'deny', reason);
    if (!result.ok) {
      await errors(
        refusalText(result.refusal, result.req)
          .replace(/<@(\w+)>/g, '@$1')
          .replace(/[*_`]/g, ''),
      );
      if (result.req) await updateCard(client, log, result.req);
      return;
    }
    await ack();
    await updateCard(client, log, result.req);
  };
}
