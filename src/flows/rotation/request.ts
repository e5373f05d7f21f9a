/**
 * A key rotation request (DESIGN §4.2) as the bot stores it. It holds ids, people, times and access
 * key ids (not secrets: DESIGN §3 shows them masked), never a secret key or a code.
 */
export type RotationState =
  | 'requested'
  | 'approved'
  | 'otp_pending'
  | 'rotating'
  | 'rotated'
  | 'denied'
  | 'expired'
  | 'failed'
  | 'rolled_back';

export const FINAL_STATES: readonly RotationState[] = [
  'rotated',
  'denied',
  'expired',
  'failed',
  'rolled_back',
];

/** The steps of a rotation, in order; a failure names the one it happened in. */
export type RotationStep =
  | 'create_key'
  | 'verify_new_key'
  | 'read_servicenow'
  | 'write_servicenow'
  | 'confirm_servicenow'
  | 'revoke_old_key'
  | 'interrupted';

export interface OtpInfo {
  otpRequestId: string;
  /** Masked by CloudKnox (first letter + ••• + @domain). */
  sentTo: string;
  expiresAt: string;
  resendAfter: string;
}

export interface RotationRequest {
  id: string;
  state: RotationState;
  /** Bumped on every change, so two writers can never both succeed from one read. */
  version: number;
  requestedBy: string;
  reason?: string | undefined;
  /** Where the approval card is. */
  channel: string;
  cardTs?: string | undefined;
  createdAt: number;
  /** Until when the request may still move on; extended once on approval. */
  expiresAt: number;
  approval: 'required' | 'off';
  /** The integration's access key when the request was made (the key to replace). */
  oldAccessKey: string;
  approvedBy?: string | undefined;
  deniedBy?: string | undefined;
  denyReason?: string | undefined;
  decidedAt?: number | undefined;
  otp?: OtpInfo | undefined;
  wrongCodes: number;
  newAccessKey?: string | undefined;
  /** Set while CloudKnox is being asked for the new key (cleared when the answer is known). */
  creatingKeyAt?: number | undefined;
  failedStep?: RotationStep | undefined;
  /** Words for people about the failure (built from error codes, never from secrets). */
  failureText?: string | undefined;
  /** After a failure: whether the new key was revoked (true) or is still to be cleaned up. */
  newKeyRevoked?: boolean | undefined;
  /** When the old key could not be revoked after a successful switch (left for a person). */
  oldKeyStillActive?: boolean | undefined;
  finishedAt?: number | undefined;
}

export const MAX_WRONG_CODES = 5;
