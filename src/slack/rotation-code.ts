import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logging/logger.js';
import { describeError } from './error-text.js';
import { otpFormView, otpMessageView } from './blocks/otp-modal.js';
import type { BotServices } from './bot-services.js';
import { refusalText } from './rotation-refusals.js';
import { updateCard, updateView } from './rotation-updates.js';

/**
 * After the modal is open: ask CloudKnox to email the code, then show the form (or why not). A code
 * already sent and still valid is shown again rather than sent twice.
 */
export async function sendCodeIntoView(
  client: WebClient,
  services: BotServices,
  log: Logger,
  requestId: string,
  userId: string,
  viewId: string | undefined,
): Promise<void> {
  const outcome = await services.rotation.sendCode(requestId, userId);
  switch (outcome.kind) {
    case 'sent':
      await updateView(
        client,
        log,
        viewId,
        otpFormView(
          outcome.req,
          outcome.reused
            ? { kind: 'info', text: 'A code was already sent for this request; use it, or press Resend OTP.' }
            : undefined,
        ),
      );
      if (!outcome.reused) await updateCard(client, log, outcome.req);
      return;
    case 'refused':
      await updateView(
        client,
        log,
        viewId,
        otpMessageView(requestId, refusalText(outcome.refusal, outcome.req)),
      );
      if (outcome.req) await updateCard(client, log, outcome.req);
      return;
    case 'too_soon':
      await updateView(
        client,
        log,
        viewId,
        otpFormView(outcome.req, { kind: 'warning', text: 'Wait a little before asking for another code.' }),
      );
      return;
    case 'error':
      log.warn(
        { event: 'otp_send_failed', requestId, code: (outcome.error as { code?: string }).code },
        'could not send the code',
      );
      await updateView(
        client,
        log,
        viewId,
        otpMessageView(
          requestId,
          `:x: Couldn't get CloudKnox to send the code. ${describeError(outcome.error)}`,
        ),
      );
  }
}
