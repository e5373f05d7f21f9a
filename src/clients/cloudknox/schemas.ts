import { z } from 'zod';

/**
 * Shapes of CloudKnox's answers. Objects strip fields they do not name (an unknown extra field is
 * allowed, and is dropped so nothing unexpected travels further into the bot).
 */

/** `{errorCode, message}` on every CloudKnox error; read leniently since it only decorates an error. */
export const errorEnvelopeSchema = z.object({
  errorCode: z.string().optional().catch(undefined),
  message: z.string().optional().catch(undefined),
  attemptsLeft: z.number().int().nonnegative().optional().catch(undefined),
  retryAfter: z.number().nonnegative().optional().catch(undefined),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

export const authenticateResponseSchema = z.object({
  accessToken: z.string().min(1),
  apiId: z.union([z.string().min(1), z.number()]).transform(String),
});
export type AuthenticateResponse = z.infer<typeof authenticateResponseSchema>;

export const integrationSchema = z.object({
  endpoint: z.string(),
  username: z.string(),
  passwordSet: z.boolean(),
  apiEndpoint: z.string(),
  createdBy: z.string(),
  createdOn: z.string(),
  serviceAccountId: z.string(),
  accessKey: z.string(),
});
export type CloudKnoxIntegration = z.infer<typeof integrationSchema>;

export const integrationTestResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('SUCCESS'), message: z.string() }),
  z.object({ status: z.literal('FAILURE'), errorCode: z.string(), message: z.string() }),
]);
export type IntegrationTestResult = z.infer<typeof integrationTestResultSchema>;

export type KeyStatus = 'ACTIVE' | 'REVOKED' | (string & {});

export const keySchema = z.object({
  accessKey: z.string().min(1),
  createdOn: z.string(),
  lastUsedOn: z.string().nullable(),
  status: z.string().transform((s) => s as KeyStatus),
});
export type CloudKnoxKey = z.infer<typeof keySchema>;
export const keyListSchema = z.array(keySchema);

/** `expiresAt` and `resendAfter` are ISO-8601 instants; `sentTo` is already masked by CloudKnox. */
export const otpChallengeSchema = z.object({
  otpRequestId: z.string().min(1),
  sentTo: z.string(),
  expiresAt: z.string(),
  resendAfter: z.string(),
});
export type OtpChallenge = z.infer<typeof otpChallengeSchema>;

/** The only answer that carries a secret key; CloudKnox shows it once. */
export const createdKeySchema = z.object({
  serviceAccountId: z.string().min(1),
  accessKey: z.string().min(1),
  secretKey: z.string().min(1),
  createdOn: z.string(),
});
export type CreatedKey = z.infer<typeof createdKeySchema>;
