/**
 * One error type for every call to CloudKnox or ServiceNow, in the style of @slack/web-api's
 * coded errors: callers switch on `code`, users read the text that `src/slack/error-text.ts` maps it to.
 *
 * `message` and `detail` must never carry a secret: build them from status codes, error codes and
 * the upstream's own error message only, never from request bodies or headers.
 */
export type UpstreamService = 'cloudknox' | 'servicenow';

export type UpstreamErrorCode =
  // transport
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNREACHABLE'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'UPSTREAM_SERVER_ERROR'
  | 'UPSTREAM_RATE_LIMITED'
  // CloudKnox
  | 'CLOUDKNOX_AUTH_REJECTED'
  | 'CLOUDKNOX_REQUEST_REJECTED'
  | 'CLOUDKNOX_NOT_FOUND'
  // ServiceNow
  | 'SERVICENOW_AUTH_FAILED'
  | 'SERVICENOW_MFA_REQUIRED'
  | 'SERVICENOW_FORBIDDEN'
  | 'SERVICENOW_NOT_FOUND'
  | 'SERVICENOW_INVALID_TABLE'
  | 'SERVICENOW_HIBERNATING'
  | 'SERVICENOW_REQUEST_REJECTED';

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  readonly code: UpstreamErrorCode;
  readonly service: UpstreamService;
  readonly status: number | undefined;
  /** Upstream's own error code (e.g. CloudKnox `errorCode`), when it gave one. */
  readonly upstreamCode: string | undefined;
  /** Seconds the upstream asked us to wait (Retry-After), when it said. */
  readonly retryAfterSeconds: number | undefined;
  /**
   * How many times the request was sent, retries included (0: refused before sending by the
   * outbound policy), when the error came from an answer or a transport failure.
   */
  readonly attempts: number | undefined;

  constructor(init: {
    code: UpstreamErrorCode;
    service: UpstreamService;
    message: string;
    status?: number | undefined;
    upstreamCode?: string | undefined;
    retryAfterSeconds?: number | undefined;
    attempts?: number | undefined;
  }) {
    super(init.message);
    this.code = init.code;
    this.service = init.service;
    this.status = init.status;
    this.upstreamCode = init.upstreamCode;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.attempts = init.attempts;
  }
}

export function isUpstreamError(e: unknown): e is UpstreamError {
  return e instanceof UpstreamError;
}
