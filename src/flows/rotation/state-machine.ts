import { MAX_WRONG_CODES, type OtpInfo, type RotationRequest, type RotationStep } from './request.js';

/**
 * The rotation state machine (DESIGN §4.2), pure: a request and an event give the next request or
 * the reason the event does not apply. Storage, Slack and CloudKnox are elsewhere.
 *
 *   requested ─approve→ approved ─code_sent→ otp_pending ─key_created→ rotating ─rotated→ rotated
 *      │ deny/expire        │ expire             │ 5 wrong codes/expire      │ rolled_back/failed
 */
export type RotationEvent =
  | { type: 'approve'; by: string; at: number; ttlMs: number }
  | { type: 'deny'; by: string; at: number; reason?: string | undefined }
  | { type: 'expire'; at: number }
  | { type: 'code_sent'; otp: OtpInfo; at: number }
  | { type: 'wrong_code'; at: number }
  | { type: 'code_refused'; at: number; text: string }
  | { type: 'key_created'; newAccessKey: string; at: number }
  | { type: 'rotated'; at: number; oldKeyStillActive: boolean }
  | { type: 'rolled_back'; step: RotationStep; text: string; newKeyRevoked: boolean; at: number }
  | { type: 'failed'; step: RotationStep; text: string; at: number };

export type Refusal =
  | 'self_approval'
  | 'already_decided'
  | 'expired'
  | 'not_approved'
  | 'not_waiting_for_code'
  | 'not_rotating'
  | 'finished';

export type TransitionResult = { ok: true; next: RotationRequest } | { ok: false; refusal: Refusal };

function isExpired(req: RotationRequest, at: number): boolean {
  return (
    at >= req.expiresAt &&
    (req.state === 'requested' || req.state === 'approved' || req.state === 'otp_pending')
  );
}

export function transition(req: RotationRequest, event: RotationEvent): TransitionResult {
  const next = (patch: Partial<RotationRequest>): TransitionResult => ({
    ok: true,
    next: { ...req, ...patch, version: req.version + 1 },
  });
  // A right code entered in time creates the key; its rotation must finish even if the clock passes.
  if (event.type !== 'expire' && event.type !== 'key_created' && isExpired(req, event.at)) {
    return { ok: false, refusal: 'expired' };
  }
  switch (event.type) {
    case 'approve':
      if (req.state !== 'requested')
        return { ok: false, refusal: req.state === 'expired' ? 'expired' : 'already_decided' };
      if (event.by === req.requestedBy) return { ok: false, refusal: 'self_approval' };
      // The requester gets a full window to enter the code, however long the approver took.
      return next({
        state: 'approved',
        approvedBy: event.by,
        decidedAt: event.at,
        expiresAt: event.at + event.ttlMs,
      });
    case 'deny':
      if (req.state !== 'requested')
        return { ok: false, refusal: req.state === 'expired' ? 'expired' : 'already_decided' };
      return next({
        state: 'denied',
        deniedBy: event.by,
        denyReason: event.reason,
        decidedAt: event.at,
        finishedAt: event.at,
      });
    case 'expire':
      if (!isExpired(req, event.at))
        return { ok: false, refusal: req.state === 'expired' ? 'expired' : 'finished' };
      return next({ state: 'expired', finishedAt: event.at });
    case 'code_sent':
      if (req.state !== 'approved' && req.state !== 'otp_pending')
        return { ok: false, refusal: 'not_approved' };
      return next({ state: 'otp_pending', otp: event.otp });
    case 'wrong_code': {
      if (req.state !== 'otp_pending') return { ok: false, refusal: 'not_waiting_for_code' };
      const wrongCodes = req.wrongCodes + 1;
      if (wrongCodes >= MAX_WRONG_CODES) {
        return next({
          state: 'failed',
          wrongCodes,
          failedStep: 'create_key',
          failureText: `${MAX_WRONG_CODES} wrong codes`,
          finishedAt: event.at,
        });
      }
      return next({ wrongCodes });
    }
    case 'code_refused':
      if (req.state !== 'otp_pending') return { ok: false, refusal: 'not_waiting_for_code' };
      return next({
        state: 'failed',
        failedStep: 'create_key',
        failureText: event.text,
        finishedAt: event.at,
      });
    case 'key_created':
      if (req.state !== 'otp_pending') return { ok: false, refusal: 'not_waiting_for_code' };
      return next({ state: 'rotating', newAccessKey: event.newAccessKey, creatingKeyAt: undefined });
    case 'rotated':
      if (req.state !== 'rotating') return { ok: false, refusal: 'not_rotating' };
      return next({
        state: 'rotated',
        finishedAt: event.at,
        oldKeyStillActive: event.oldKeyStillActive || undefined,
      });
    case 'rolled_back':
      if (req.state !== 'rotating') return { ok: false, refusal: 'not_rotating' };
      return next({
        state: 'rolled_back',
        failedStep: event.step,
        failureText: event.text,
        newKeyRevoked: event.newKeyRevoked,
        finishedAt: event.at,
      });
    case 'failed':
      if (req.state !== 'rotating') return { ok: false, refusal: 'not_rotating' };
      return next({ state: 'failed', failedStep: event.step, failureText: event.text, finishedAt: event.at });
  }
}
