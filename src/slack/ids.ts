/**
 * Every id Slack routes on, in one place. `manifest/manifest.yml` declares the slash command;
 * tests check that the two agree (unit/docs-contract.test.ts) and that every id here has a listener
 * (unit/listeners.test.ts).
 */
export const SLASH_COMMAND = '/cloudknox';

export const ACTION_IDS = {
  saveConnection: 'servicenow_save_connection',
  approveRotation: 'rotation_approve',
  denyRotation: 'rotation_deny',
  enterCode: 'rotation_enter_code',
  resendCode: 'rotation_resend_otp',
} as const;

/** Modal callback ids. */
export const VIEW_IDS = {
  otp: 'rotation_otp',
  denyReason: 'rotation_deny_reason',
} as const;

/** Input blocks whose ids errors are keyed by (`response_action: errors`). */
export const INPUT_IDS = {
  otp: { block: 'otp_input', action: 'otp_value' },
  denyReason: { block: 'deny_reason_input', action: 'deny_reason_value' },
} as const;

export type ActionId = (typeof ACTION_IDS)[keyof typeof ACTION_IDS];
