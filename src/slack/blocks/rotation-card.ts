import type { KnownBlock } from '@slack/types';
import type { RotationRequest, RotationStep } from '../../flows/rotation/request.js';
import { maskAccessKey } from '../../masking.js';
import { ACTION_IDS, SLASH_COMMAND } from '../ids.js';
import { code, escapeMrkdwn } from '../mrkdwn.js';
import { slackDate } from './format.js';
import type { SlackMessage } from './types.js';

/** Step names as people read them in a failure. */
export const STEP_TEXT: Record<RotationStep, string> = {
  create_key: 'creating the new key in CloudKnox',
  verify_new_key: 'checking that the new key authenticates against CloudKnox',
  read_servicenow: "reading ServiceNow's CloudKnox configuration",
  write_servicenow: 'writing the new key into ServiceNow',
  confirm_servicenow: 'confirming ServiceNow holds the new key',
  revoke_old_key: 'revoking the old key',
  interrupted: 'the rotation was interrupted (the bot stopped mid-way)',
};

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** One mrkdwn line saying where the request stands (card, result post and modal share it). */
export function rotationStatusText(req: RotationRequest): string {
  const old = maskAccessKey(req.oldAccessKey);
  const fresh = maskAccessKey(req.newAccessKey);
  switch (req.state) {
    case 'requested':
      return `:hourglass_flowing_sand: *Waiting for an approver* until ${slackDate(req.expiresAt)}. The requester cannot approve their own request.`;
    case 'approved':
      return req.approval === 'off'
        ? `:white_check_mark: *Approval is off* in this workspace. <@${req.requestedBy}>, press *Enter verification code* to get the emailed code.`
        : `:white_check_mark: *Approved by <@${req.approvedBy}>* at ${slackDate(req.decidedAt ?? req.createdAt)}. <@${req.requestedBy}>, press *Enter verification code* before ${slackDate(req.expiresAt)}.`;
    case 'otp_pending':
      return `:email: *Code sent* to ${escapeMrkdwn(req.otp?.sentTo ?? 'the address on file')}. Waiting for <@${req.requestedBy}> to enter it (${req.wrongCodes} wrong so far).`;
    case 'rotating':
      return `:arrows_counterclockwise: *Rotating*: new key ${fresh} created; updating ServiceNow…`;
    case 'rotated':
      return req.oldKeyStillActive
        ? `:white_check_mark: *Rotated*: ServiceNow now uses ${fresh}. :warning: The old key ${old} could not be revoked and is *still active*: revoke it in CloudKnox.`
        : `:white_check_mark: *Rotated*: ServiceNow now uses ${fresh}; the old key ${old} is revoked.`;
    case 'denied':
      return `:no_entry: *Denied by <@${req.deniedBy}>*${req.denyReason ? `: “${escapeMrkdwn(req.denyReason)}”` : ''}. Nothing was changed.`;
    case 'expired':
      return `:hourglass: *Expired* at ${slackDate(req.expiresAt)}. Nothing was changed; start again with ${code(`${SLASH_COMMAND} keys rotate`)}.`;
    case 'failed':
      return failureLine(req, ':x: *Not rotated*');
    case 'rolled_back':
      return failureLine(req, ':leftwards_arrow_with_hook: *Rolled back*');
  }
}

function failureLine(req: RotationRequest, lead: string): string {
  const step = req.failedStep ? STEP_TEXT[req.failedStep] : 'an unknown step';
  const why = req.failureText ? ` (${escapeMrkdwn(req.failureText)})` : '';
  const old = maskAccessKey(req.oldAccessKey);
  const newKey =
    req.newAccessKey === undefined
      ? 'No new key was created.'
      : req.newKeyRevoked
        ? `The new key ${maskAccessKey(req.newAccessKey)} was revoked.`
        : `:warning: The new key ${maskAccessKey(req.newAccessKey)} could *not* be revoked; revoke it in CloudKnox.`;
  return `${lead}: failed while ${step}${why}. The old key ${old} still works and ServiceNow still uses it. ${newKey}`;
}

function buttons(req: RotationRequest): KnownBlock[] {
  if (req.state === 'requested') {
    return [
      {
        type: 'actions',
        block_id: 'rotation_decision',
        elements: [
          {
            type: 'button',
            action_id: ACTION_IDS.approveRotation,
            style: 'primary',
            text: { type: 'plain_text', text: 'Approve' },
            value: req.id,
          },
          {
            type: 'button',
            action_id: ACTION_IDS.denyRotation,
            style: 'danger',
            text: { type: 'plain_text', text: 'Deny' },
            value: req.id,
          },
        ],
      },
    ];
  }
  if (req.state === 'approved' || req.state === 'otp_pending') {
    return [
      {
        type: 'actions',
        block_id: 'rotation_code',
        elements: [
          {
            type: 'button',
            action_id: ACTION_IDS.enterCode,
            style: 'primary',
            text: { type: 'plain_text', text: 'Enter verification code' },
            value: req.id,
          },
        ],
      },
    ];
  }
  return [];
}

/** The approval card, in every state of the request. Button values carry only the request id. */
export function rotationCardMessage(req: RotationRequest): SlackMessage {
  const people = [
    `*Requested by*\n<@${req.requestedBy}>`,
    `*Key to replace*\n${maskAccessKey(req.oldAccessKey)}`,
  ];
  if (req.approvedBy) people.push(`*Approved by*\n<@${req.approvedBy}>`);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Generate New Key: CloudKnox ↔ ServiceNow' } },
    { type: 'section', fields: people.map((text) => ({ type: 'mrkdwn' as const, text })) },
    section(`*Reason*: ${req.reason ? escapeMrkdwn(req.reason) : '_none given_'}`),
    section(rotationStatusText(req)),
    ...buttons(req),
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Request ${code(req.id)} · created ${slackDate(req.createdAt)}` }],
    },
  ];
  return { text: `Key rotation ${req.id}: ${req.state.replace('_', ' ')}`, blocks };
}

/** The one-line result posted in the channel when a rotation ends. */
export function rotationResultMessage(req: RotationRequest): SlackMessage {
  const who = `Requested by <@${req.requestedBy}>${req.approvedBy ? `, approved by <@${req.approvedBy}>` : ''}, ${slackDate(req.finishedAt ?? Date.now())}.`;
  const text = `${rotationStatusText(req)}\n${who}`;
  return { text: rotationStatusText(req).replace(/\*/g, ''), blocks: [section(text)] };
}
