import type { FlowRefusal } from '../flows/rotation/rotation-service.js';
import type { RotationRequest } from '../flows/rotation/request.js';
import { slackDate } from './blocks/format.js';
import { SLASH_COMMAND } from './ids.js';
import { code } from './mrkdwn.js';

/** Why a click or a code was not taken, in words that say what happened and what to do. */
export function refusalText(refusal: FlowRefusal, req?: RotationRequest): string {
  const again = `Start a new one with ${code(`${SLASH_COMMAND} keys rotate`)}.`;
  switch (refusal) {
    case 'self_approval':
      return 'You asked for this rotation, so another approver has to approve it.';
    case 'already_decided':
      if (req?.approvedBy)
        return `Already approved by <@${req.approvedBy}> at ${slackDate(req.decidedAt ?? req.createdAt)}.`;
      if (req?.deniedBy)
        return `Already denied by <@${req.deniedBy}> at ${slackDate(req.decidedAt ?? req.createdAt)}.`;
      return 'This request has already been decided.';
    case 'expired':
      return `This request expired${req ? ` at ${slackDate(req.expiresAt)}` : ''}; nothing was changed. ${again}`;
    case 'not_approved':
      return 'This request has not been approved yet.';
    case 'not_waiting_for_code':
      return 'This request is not waiting for a code.';
    case 'not_rotating':
    case 'finished':
      return `This request is already finished (${req?.state.replace('_', ' ') ?? 'done'}). ${again}`;
    case 'not_found':
      return `This request no longer exists. ${again}`;
    case 'not_requester':
      return `Only <@${req?.requestedBy ?? 'the requester'}>, who asked for this rotation, can enter the verification code.`;
    case 'key_changed':
      return `The CloudKnox key changed since this request was approved, so nothing was done (it would have replaced a key nobody approved). ${again}`;
    case 'busy':
      return 'A code for this request is being checked right now. Wait a moment.';
  }
}
