import type { ModalView } from '@slack/types';
import type { SendCodeOutcome } from '../../flows/rotation/rotation-service.js';
import { describeError } from '../error-text.js';
import { refusalText } from '../rotation-refusals.js';
import { otpFormView, otpMessageView } from './otp-modal.js';

/**
 * What the code dialog shows after asking CloudKnox for a code: the first time (from Enter
 * verification code) or again (Resend OTP). Pure; one place for both buttons' wording.
 */
export function codeOutcomeView(outcome: SendCodeOutcome, requestId: string, resend: boolean): ModalView {
  switch (outcome.kind) {
    case 'sent':
      if (resend) {
        return otpFormView(outcome.req, {
          kind: 'info',
          text: `A new code was sent to ${outcome.otp.sentTo}. Use the code from the newest email.`,
        });
      }
      return otpFormView(
        outcome.req,
        outcome.reused
          ? { kind: 'info', text: 'A code was already sent for this request; use it, or press Resend OTP.' }
          : undefined,
      );
    case 'too_soon':
      return otpFormView(outcome.req, {
        kind: 'warning',
        text: `Wait ${outcome.retryAfterSeconds ?? 30} s before asking for another code; the last one is still valid.`,
      });
    case 'refused':
      // While the form is open (resend), the refusal is a note on it; otherwise the dialog ends with it.
      return resend && outcome.req
        ? otpFormView(outcome.req, { kind: 'warning', text: refusalText(outcome.refusal, outcome.req) })
        : otpMessageView(requestId, refusalText(outcome.refusal, outcome.req));
    case 'error':
      return resend
        ? otpFormView(outcome.req, {
            kind: 'warning',
            text: "CloudKnox couldn't send another code just now. Try again in a minute.",
          })
        : otpMessageView(
            requestId,
            `:x: Couldn't get CloudKnox to send the code. ${describeError(outcome.error)}`,
          );
  }
}
