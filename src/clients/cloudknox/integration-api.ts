import { maskAccessKey } from '../../masking.js';
import type { CallSpec } from './call-spec.js';
import {
  createdKeySchema,
  integrationSchema,
  integrationTestResultSchema,
  keyListSchema,
  otpChallengeSchema,
  type CloudKnoxIntegration,
  type CloudKnoxKey,
  type CreatedKey,
  type IntegrationTestResult,
  type OtpChallenge,
} from './schemas.js';

/**
 * The Integration-tab API (DESIGN §5.1). CloudKnox published none, so this project defines it here
 * and only here: to move to a real endpoint, change the paths and schemas in this file.
 */
const BASE = '/api/v2/integrations/servicenow';

export interface IntegrationInput {
  endpoint?: string;
  username?: string;
  password?: string;
}

function inputBody(input: IntegrationInput | undefined): { json: Record<string, string>; secrets: string[] } {
  const json: Record<string, string> = {};
  if (input?.endpoint !== undefined) json.endpoint = input.endpoint;
  if (input?.username !== undefined) json.username = input.username;
  if (input?.password !== undefined) json.password = input.password;
  return { json, secrets: input?.password ? [input.password] : [] };
}

export const integrationApi = {
  getIntegration: (): CallSpec<CloudKnoxIntegration> => ({
    operation: 'get integration',
    method: 'GET',
    path: BASE,
    schema: integrationSchema,
  }),

  testIntegration: (input?: IntegrationInput): CallSpec<IntegrationTestResult> => {
    const { json, secrets } = inputBody(input);
    return {
      operation: 'test integration',
      method: 'POST',
      path: `${BASE}/test`,
      json,
      secrets,
      schema: integrationTestResultSchema,
    };
  },

  saveIntegration: (input?: IntegrationInput): CallSpec<CloudKnoxIntegration> => {
    const { json, secrets } = inputBody(input);
    return {
      operation: 'save integration',
      method: 'POST',
      path: `${BASE}/save`,
      json,
      secrets,
      schema: integrationSchema,
    };
  },

  listKeys: (): CallSpec<CloudKnoxKey[]> => ({
    operation: 'list keys',
    method: 'GET',
    path: `${BASE}/keys`,
    schema: keyListSchema,
  }),

  requestKeyOtp: (): CallSpec<OtpChallenge> => ({
    operation: 'request OTP',
    method: 'POST',
    path: `${BASE}/keys/otp`,
    json: {},
    schema: otpChallengeSchema,
  }),

  resendKeyOtp: (otpRequestId: string): CallSpec<OtpChallenge> => ({
    operation: 'resend OTP',
    method: 'POST',
    path: `${BASE}/keys/otp/${encodeURIComponent(otpRequestId)}/resend`,
    json: {},
    schema: otpChallengeSchema,
  }),

  createKey: (input: { otpRequestId: string; otp: string }): CallSpec<CreatedKey> => ({
    operation: 'create key',
    method: 'POST',
    path: `${BASE}/keys`,
    json: { otpRequestId: input.otpRequestId, otp: input.otp },
    secrets: [input.otp],
    schema: createdKeySchema,
  }),

  revokeKey: (accessKey: string): CallSpec<void> => ({
    operation: `revoke key ${maskAccessKey(accessKey)}`,
    method: 'DELETE',
    path: `${BASE}/keys/${encodeURIComponent(accessKey)}`,
    accessKeys: [accessKey],
    schema: null,
  }),
};
