import type { Method } from 'got';
import type { z } from 'zod';

/**
 * One authenticated CloudKnox call, described as data so the endpoints live in one module
 * (integration-api.ts) and the plumbing (auth, re-auth, errors) in another.
 */
export interface CallSpec<T> {
  /** Human name for errors and logs ("create key"); never a secret. */
  operation: string;
  method: Method;
  /** Path under the API base URL, already URL-encoded. */
  path: string;
  json?: unknown;
  /** Schema of a 2xx answer; `null` when the answer has no body (204). */
  schema: z.ZodType<T> | null;
  /** Request values that must never show up in an error message (an OTP, a password). */
  secrets?: string[];
  /** Full access keys involved; shown only masked in error messages. */
  accessKeys?: string[];
}
