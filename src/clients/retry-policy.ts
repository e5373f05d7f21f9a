/**
 * When a CloudKnox or ServiceNow call may be sent again (issue 6, "Retry policy"). The transport
 * applies it; each client says which class a call belongs to.
 *
 * - `read` (every GET: ServiceNow reads, CloudKnox get integration and list keys): up to 2 retries,
 *   after about 200 ms and 800 ms (±25 % jitter), on a 5xx other than 501, a connection reset or
 *   refusal, a DNS hiccup (EAI_AGAIN) or a timeout.
 * - `login` (CloudKnox authenticate): at most 1 retry, after about 200 ms, on the same transient
 *   failures. A refused login (any 4xx) is never retried.
 * - `write` (CloudKnox save, test, OTP request/resend, create key, revoke; ServiceNow PATCH): sent
 *   once. A write that failed on the way may or may not have been applied; sending it again blindly
 *   could create a second key, send a second OTP email or count a second failed login.
 *
 * No 4xx is ever retried: 401 is a refused login (ServiceNow locks accounts after repeated failures),
 * 429 carries its own Retry-After for the person to honour, and the others will not change.
 *
 * Time stays bounded: every attempt has the per-call timeout (10 s by default), and a read or a
 * login as a whole, waits included, never takes more than twice that (20 s by default); a write
 * never more than once. A retry starts only when at least half a per-call timeout is left, and a
 * 5xx's Retry-After is honoured only when it fits; otherwise the last failure is reported.
 */
export type RetryClass = 'read' | 'login' | 'write';

export interface RetrySchedule {
  /** Base delay before each retry, in ms; its length is the number of retries. */
  backoffMs: readonly number[];
  /** The whole call's budget, as a multiple of the per-call timeout. */
  budgetFactor: number;
}

export const RETRY_SCHEDULES: Readonly<Record<RetryClass, RetrySchedule>> = {
  read: { backoffMs: [200, 800], budgetFactor: 2 },
  login: { backoffMs: [200], budgetFactor: 2 },
  write: { backoffMs: [], budgetFactor: 1 },
};

/** ±25 % around the base, so replicas that failed together do not retry together. */
export const JITTER = 0.25;

/** Error codes of a transient network failure (a request that got no answer). */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/** 5xx means the server failed; 501 Not Implemented will not change on a second try. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 && status <= 599 && status !== 501;
}

export function isTransientErrorCode(code: string | undefined): boolean {
  return code !== undefined && TRANSIENT_CODES.has(code);
}

export function callBudgetMs(cls: RetryClass, timeoutMs: number): number {
  return RETRY_SCHEDULES[cls].budgetFactor * timeoutMs;
}

/**
 * The wait before the next attempt, or undefined when there is none: the class allows no more
 * retries, or the wait plus a useful attempt (half a per-call timeout) would overrun the budget.
 * `attempt` is the number of the attempt that just failed (1 for the first).
 */
export function nextRetryDelay(input: {
  cls: RetryClass;
  attempt: number;
  timeoutMs: number;
  elapsedMs: number;
  /** From a 5xx's Retry-After header, when it had one. */
  retryAfterMs?: number | undefined;
  random?: () => number;
}): number | undefined {
  const base = RETRY_SCHEDULES[input.cls].backoffMs[input.attempt - 1];
  if (base === undefined) return undefined;
  const random = input.random ?? Math.random;
  const delay = Math.max(Math.round(base * (1 - JITTER + 2 * JITTER * random())), input.retryAfterMs ?? 0);
  const left = callBudgetMs(input.cls, input.timeoutMs) - input.elapsedMs - delay;
  return left >= input.timeoutMs / 2 ? delay : undefined;
}
