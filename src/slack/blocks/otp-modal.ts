import type { KnownBlock, ModalView } from '@slack/types';
import type { RotationRequest } from '../../flows/rotation/request.js';
import { maskAccessKey } from '../../masking.js';
import { ACTION_IDS, INPUT_IDS, VIEW_IDS } from '../ids.js';
import { escapeMrkdwn } from '../mrkdwn.js';
import { slackDate } from './format.js';

/**
 * The "Validate OTP To Generate New Keys" modal (the product's words). Slack caps a modal title at
 * 24 characters, so the title is short and the product's full heading is the first line.
 * `private_metadata` holds only the request id.
 */
const TITLE = 'Validate OTP';
const HEADING = 'Validate OTP To Generate New Keys';

function base(id: string, blocks: KnownBlock[], opts: { submit?: string; close: string }): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW_IDS.otp,
    private_metadata: id,
    title: { type: 'plain_text', text: TITLE },
    close: { type: 'plain_text', text: opts.close },
    ...(opts.submit ? { submit: { type: 'plain_text', text: opts.submit } } : {}),
    blocks: [{ type: 'header', text: { type: 'plain_text', text: HEADING } }, ...blocks],
  };
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** Opened at once from the click (a trigger_id lives 3 s), before CloudKnox is asked for the code. */
export function otpLoadingView(id: string): ModalView {
  return base(
    id,
    [section(':hourglass_flowing_sand: Asking CloudKnox to email a code to the address on file…')],
    { close: 'Cancel' },
  );
}

export interface OtpFormNote {
  kind: 'info' | 'warning';
  text: string;
}

/** Check your email, Enter OTP, Resend OTP, Verify. */
export function otpFormView(req: RotationRequest, note?: OtpFormNote): ModalView {
  const otp = req.otp;
  const lines = [
    `Check your email: CloudKnox sent a code to *${escapeMrkdwn(otp?.sentTo ?? 'the address on file')}*` +
      (otp ? `. It expires at ${slackDate(otp.expiresAt, '{time}')}.` : '.'),
    `It creates a new key to replace ${maskAccessKey(req.oldAccessKey)} in ServiceNow.`,
  ];
  const blocks: KnownBlock[] = [section(lines.join('\n'))];
  if (note)
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${note.kind === 'warning' ? ':warning:' : ':information_source:'} ${note.text}`,
        },
      ],
    });
  blocks.push(
    {
      type: 'input',
      block_id: INPUT_IDS.otp.block,
      label: { type: 'plain_text', text: 'Enter OTP' },
      hint: { type: 'plain_text', text: 'The 6-digit code from the email.' },
      element: {
        type: 'plain_text_input',
        action_id: INPUT_IDS.otp.action,
        placeholder: { type: 'plain_text', text: '123456' },
        min_length: 6,
        max_length: 12,
      },
    },
    {
      type: 'actions',
      block_id: 'otp_actions',
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.resendCode,
          text: { type: 'plain_text', text: 'Resend OTP' },
          value: req.id,
        },
      ],
    },
  );
  return base(req.id, blocks, { submit: 'Verify', close: 'Cancel' });
}

/** After a right code: the new key exists and the rotation is running. */
export function otpWorkingView(id: string, text: string): ModalView {
  return base(id, [section(`:arrows_counterclockwise: ${text}`)], { close: 'Close' });
}

/** A final word inside the modal: result, refusal or error. */
export function otpMessageView(id: string, text: string): ModalView {
  return base(id, [section(text)], { close: 'Close' });
}

/** Deny, with an optional reason. */
export function denyReasonView(req: RotationRequest): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW_IDS.denyReason,
    private_metadata: req.id,
    title: { type: 'plain_text', text: 'Deny key rotation' },
    submit: { type: 'plain_text', text: 'Deny' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(`Deny <@${req.requestedBy}>'s request to rotate ${maskAccessKey(req.oldAccessKey)}?`),
      {
        type: 'input',
        block_id: INPUT_IDS.denyReason.block,
        optional: true,
        label: { type: 'plain_text', text: 'Reason (shown on the request)' },
        element: { type: 'plain_text_input', action_id: INPUT_IDS.denyReason.action, max_length: 300 },
      },
    ],
  };
}
