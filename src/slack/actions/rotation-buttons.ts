import { accessRefusedMessage } from '../blocks/refusals.js';
import { denyReasonView, otpLoadingView } from '../blocks/otp-modal.js';
import type { BotServices } from '../bot-services.js';
import { ACTION_IDS } from '../ids.js';
import type { ButtonArgs, ButtonHandler } from '../interaction-listeners.js';
import { requestLog } from '../request-log.js';
import { sendCodeIntoView } from '../rotation-code.js';
import { refusalText } from '../rotation-refusals.js';
import { updateCard } from '../rotation-updates.js';
import { rotationCardMessage } from '../blocks/rotation-card.js';
import { slackErrorCode } from '../slack-error.js';

type Respond = ButtonArgs['respond'];

/** Ephemeral note to the clicker, leaving the card as it is. */
function tell(respond: Respond, text: string) {
  return respond({ response_type: 'ephemeral', replace_original: false, text });
}

/** Only configured approvers decide; anyone else is told who may (ephemerally). */
async function isApprover(
  services: BotServices,
  userId: string,
  respond: Respond,
  verb: string,
): Promise<boolean> {
  const access = await services.access.check(userId, ['approver']);
  if (access.allowed) return true;
  await respond({
    response_type: 'ephemeral',
    replace_original: false,
    ...accessRefusedMessage(access, { verb }, ['approver']),
  });
  return false;
}

/**
 * Approve, Deny, Enter verification code and Resend OTP. Each acks at once; decisions go through
 * the rotation flow, whose compare-and-set makes the first decision win across replicas.
 */
export function rotationButtons(services: BotServices): Record<string, ButtonHandler> {
  const { rotation } = services;

  const approve: ButtonHandler = async ({ ack, body, action, respond, client, context }) => {
    await ack();
    const log = requestLog(context);
    const userId = body.user.id;
    if (!(await isApprover(services, userId, respond, 'approve key rotations'))) return;
    const result = await rotation.decide(action.value ?? '', userId, 'approve');
    if (!result.ok) {
      await tell(respond, refusalText(result.refusal, result.req));
      if (result.req) await updateCard(client, log, result.req);
      return;
    }
    // Fix (issue 6, hardening): when chat.update fails the approver saw nothing happen; the card
    // is then replaced through the click's response_url instead.
    if (!(await updateCard(client, log, result.req)))
      await respond({ replace_original: true, ...rotationCardMessage(result.req) } as Parameters<
        typeof respond
      >[0]);
  };

  const deny: ButtonHandler = async ({ ack, body, action, respond, client, context }) => {
    await ack();
    const log = requestLog(context);
    const userId = body.user.id;
    if (!(await isApprover(services, userId, respond, 'deny key rotations'))) return;
    const req = await rotation.get(action.value ?? '');
    if (!req) return void (await tell(respond, refusalText('not_found')));
    if (req.state !== 'requested')
      return void (await tell(
        respond,
        refusalText(req.state === 'expired' ? 'expired' : 'already_decided', req),
      ));
    try {
      await client.views.open({ trigger_id: body.trigger_id, view: denyReasonView(req) });
    } catch (err) {
      log.warn(
        { event: 'modal_open_failed', slackError: slackErrorCode(err) },
        'could not open the deny modal',
      );
      await tell(respond, 'Slack could not open the Deny dialog in time. Press Deny again.');
    }
  };

  const enterCode: ButtonHandler = async ({ ack, body, action, respond, client, context }) => {
    await ack();
    const log = requestLog(context);
    const userId = body.user.id;
    const id = action.value ?? '';
    const req = await rotation.get(id);
    if (!req) return void (await tell(respond, refusalText('not_found')));
    if (req.requestedBy !== userId) return void (await tell(respond, refusalText('not_requester', req)));
    if (req.state !== 'approved' && req.state !== 'otp_pending') {
      await updateCard(client, log, req);
      return void (await tell(
        respond,
        refusalText(req.state === 'requested' ? 'not_approved' : 'finished', req),
      ));
    }
    // Open first: the trigger_id from this click dies after 3 s, and CloudKnox may take longer.
    let viewId: string | undefined;
    try {
      viewId = (await client.views.open({ trigger_id: body.trigger_id, view: otpLoadingView(id) })).view?.id;
    } catch (err) {
      log.warn(
        { event: 'modal_open_failed', slackError: slackErrorCode(err) },
        'could not open the code modal',
      );
      return void (await tell(
        respond,
        'Slack could not open the code dialog in time. Press *Enter verification code* again.',
      ));
    }
    await sendCodeIntoView(client, services, log, id, userId, viewId);
  };

  const resendCode: ButtonHandler = async ({ ack, body, action, client, context }) => {
    await ack();
    const log = requestLog(context);
    await sendCodeIntoView(client, services, log, action.value ?? '', body.user.id, body.view?.id, true);
  };

  return {
    [ACTION_IDS.approveRotation]: approve,
    [ACTION_IDS.denyRotation]: deny,
    [ACTION_IDS.enterCode]: enterCode,
    [ACTION_IDS.resendCode]: resendCode,
  };
}
