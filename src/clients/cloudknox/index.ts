export { CloudKnoxClient, DEFAULT_TIMEOUT_MS } from './cloudknox-client.js';
export type { CloudKnoxClientOptions, CloudKnoxCredentials } from './cloudknox-client.js';
export { CloudKnoxError, isCloudKnoxError, otpAttemptsLeft } from './errors.js';
export type { IntegrationInput } from './integration-api.js';
export type {
  CloudKnoxIntegration,
  CloudKnoxKey,
  CreatedKey,
  IntegrationTestResult,
  KeyStatus,
  OtpChallenge,
} from './schemas.js';
