import type { RotationRequest } from '../../flows/rotation/request.js';
import { errorReply } from '../blocks/error-reply.js';
import { otpLoadingView } from '../blocks/otp-modal.js';
import { rotationCardMessage } from '../blocks/rotation-card.js';
import type { ParsedCommand } from '../command-text.js';
import { postInChannel } from '../post-in-channel.js';
import { sendCodeIntoView } from '../rotation-code.js';
import { slackErrorCode } from '../slack-error.js';
import type { CommandContext } from './command-context.js';

/**
 * `/cloudknox keys rotate [reason]`: posts the approval card (in APPROVAL_CHANNEL when set). With
 * approval off, opens the code modal straight from the command's trigger_id, first, because a
 * trigger_id dies after 3 s and CloudKnox may be slow.
 */
export async function keysRotate(ctx: CommandContext, parsed: ParsedCommand): Promise<void> {
  const { command, services, log } = ctx;
  const { rotation, settings } = services;
  const reason = parsed.kind === 'keys_rotate' ? parsed.reason : undefined;
  await ctx.ack();
  let viewId: string | undefined;
  if (settings.rotationApproval === 'off') {
    try {
      const opened = await ctx.client.views.open({
        trigger_id: command.trigger_id,
        view: otpLoadingView('pending'),
      });
      viewId = opened.view?.id;
    } catch (err) {
      log.warn(
        { event: 'modal_open_failed', slackError: slackErrorCode(err) },
        'could not open the code modal',
      );
    }
  }
  let req: RotationRequest;
  try {
    req = await rotation.request({
      requestedBy: command.user_id,
      reason,
      channel: settings.approvalChannel ?? command.channel_id,
      approval: settings.rotationApproval,
    });
  } catch (err) {
    await ctx.respond({ response_type: 'ephemeral', ...errorReply('start the key rotation', err) });
    return;
  }
  const posted = await postInChannel({
    client: ctx.client,
    channel: req.channel,
    message: rotationCardMessage(req),
    respond: ctx.respond,
    log,
  }).catch(() => ({ ts: undefined }));
  if (posted.ts) await rotation.attachCard(req.id, posted.ts);
  const withCard = { ...req, cardTs: posted.ts };
  if (settings.approvalChannel && settings.approvalChannel !== command.channel_id) {
    await ctx.respond({
      response_type: 'ephemeral',
      text: `Your request ${req.id} is waiting for approval in <#${settings.approvalChannel}>.`,
    });
  }
  if (settings.rotationApproval === 'off')
    await sendCodeIntoView(ctx.client, services, log, withCard.id, command.user_id, viewId);
}
