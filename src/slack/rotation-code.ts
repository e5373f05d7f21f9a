import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logging/logger.js';
import { codeOutcomeView } from './blocks/code-outcome-view.js';
import type { BotServices } from './bot-services.js';
import { updateCard, updateView } from './rotation-updates.js';

/**
 * After the dialog is open: ask CloudKnox to email the code (or, with `resend`, another one), then
 * show the form or why not. A code already sent and still valid is shown again, not sent twice.
 */
export async function sendCodeIntoView(
  client: WebClient,
  services: BotServices,
  log: Logger,
  requestId: string,
  userId: string,
  viewId: string | undefined,
  resend = false,
): Promise<void> {
  const outcome = resend
    ? await services.rotation.resendCode(requestId, userId)
    : await services.rotation.sendCode(requestId, userId);
  if (outcome.kind === 'error') {
    log.warn(
      {
        event: 'otp_send_failed',
        rotationId: requestId,
        resend,
        code: (outcome.error as { code?: string }).code,
      },
      'could not send the code',
    );
  }
  await updateView(client, log, viewId, codeOutcomeView(outcome, requestId, resend));
  const changed = (outcome.kind === 'sent' && !outcome.reused) || (outcome.kind === 'refused' && outcome.req);
  if (changed && outcome.req) await updateCard(client, log, outcome.req);
}
