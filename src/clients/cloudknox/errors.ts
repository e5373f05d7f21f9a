import type { TransportResponse } from '../http-transport.js';
import { retryAfterSeconds } from '../http-transport.js';
import { UpstreamError, type UpstreamErrorCode } from '../upstream-error.js';
import { maskAccessKey } from '../../masking.js';
import { errorEnvelopeSchema, type ErrorEnvelope } from './schemas.js';

/**
 * A CloudKnox answer that was not a success. It is an UpstreamError (callers switch on `code` and
 * `upstreamCode` as for any upstream), plus what the OTP step needs: the attempts left after a
 * wrong code. `operation` names the call ("create key") for logs; it never holds a secret.
 */
export class CloudKnoxError extends UpstreamError {
  readonly operation: string;
  /** After `OTP_INVALID`: wrong codes CloudKnox still accepts before it fails the request. */
  readonly attemptsLeft: number | undefined;

  constructor(
    init: ConstructorParameters<typeof UpstreamError>[0] & { operation: string; attemptsLeft?: number },
  ) {
    super(init);
    this.operation = init.operation;
    this.attemptsLeft = init.attemptsLeft;
  }
}

export function isCloudKnoxError(e: unknown): e is CloudKnoxError {
  return e instanceof CloudKnoxError;
}

/** Attempts left after a wrong OTP, when the error says so. */
export function otpAttemptsLeft(e: unknown): number | undefined {
  return e instanceof CloudKnoxError ? e.attemptsLeft : undefined;
}

/**
 * Values that must never appear in an error message. CloudKnox's own `message` is quoted to users,
 * so it is scrubbed of every secret the request involved, and a full access key is masked.
 */
export interface Sensitive {
  secrets: string[];
  accessKeys: string[];
}

const MAX_MESSAGE = 300;

export function scrub(text: string, sensitive: Sensitive): string {
  let out = text;
  for (const s of sensitive.secrets) if (s.length >= 4) out = out.split(s).join('hidden');
  for (const k of sensitive.accessKeys) if (k.length >= 4) out = out.split(k).join(maskAccessKey(k));
  // eslint-disable-next-line no-control-regex
  out = out.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE - 1)}…` : out;
}

function readEnvelope(res: TransportResponse): ErrorEnvelope {
  try {
    const parsed = errorEnvelopeSchema.safeParse(JSON.parse(res.body));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/**
 * Maps a non-2xx answer to an error. `phase` is `authenticate` for the login call (a 401/403 there
 * means the service account's credentials are wrong) and `call` for everything after it.
 */
export function rejection(
  operation: string,
  res: TransportResponse,
  sensitive: Sensitive,
  phase: 'authenticate' | 'call',
): CloudKnoxError {
  const env = readEnvelope(res);
  const status = res.status;
  const upstreamCode = env.errorCode ? scrub(env.errorCode, sensitive).slice(0, 64) : undefined;
  const said = env.message ? scrub(env.message, sensitive) : undefined;
  const fallback = `CloudKnox answered HTTP ${status}${upstreamCode ? ` ${upstreamCode}` : ''} to ${operation}`;

  let code: UpstreamErrorCode;
  let message = said || fallback;
  let retryAfter: number | undefined;
  if (status === 401 || (status === 403 && phase === 'authenticate')) {
    code = 'CLOUDKNOX_AUTH_REJECTED';
    if (phase === 'call' && !said) message = `CloudKnox rejected the access token twice for ${operation}`;
  } else if (status === 429 && upstreamCode !== 'OTP_ATTEMPTS_EXCEEDED') {
    // OTP_ATTEMPTS_EXCEEDED is a final "no", not a "slow down": waiting will not help.
    code = 'UPSTREAM_RATE_LIMITED';
    retryAfter = retryAfterSeconds(res) ?? env.retryAfter;
  } else if (status === 404) {
    code = 'CLOUDKNOX_NOT_FOUND';
  } else if (status >= 400 && status < 500) {
    code = 'CLOUDKNOX_REQUEST_REJECTED';
  } else if (status >= 500) {
    code = 'UPSTREAM_SERVER_ERROR';
    const tries = res.attempts > 1 ? ` (${res.attempts} attempts)` : '';
    message = `CloudKnox answered HTTP ${status} to ${operation}${said ? `: ${said}` : ''}${tries}`;
  } else {
    code = 'UPSTREAM_BAD_RESPONSE';
    message = `CloudKnox answered ${operation} with HTTP ${status}, which it never sends (redirects are not followed)`;
  }
  return new CloudKnoxError({
    code,
    service: 'cloudknox',
    status,
    upstreamCode,
    retryAfterSeconds: retryAfter,
    attempts: res.attempts,
    message,
    operation,
    attemptsLeft:
      upstreamCode === 'OTP_INVALID' || upstreamCode === 'OTP_ATTEMPTS_EXCEEDED'
        ? env.attemptsLeft
        : undefined,
  });
}

export function badResponse(operation: string, status: number, detail: string): CloudKnoxError {
  return new CloudKnoxError({
    code: 'UPSTREAM_BAD_RESPONSE',
    service: 'cloudknox',
    status,
    message: `CloudKnox answered ${operation} with ${detail}`,
    operation,
  });
}
