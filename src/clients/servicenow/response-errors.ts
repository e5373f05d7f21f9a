import { UpstreamError, type UpstreamErrorCode } from '../upstream-error.js';
import { headerValue, retryAfterSeconds, type TransportResponse } from '../http-transport.js';
import { errorEnvelopeSchema } from './schemas.js';

/**
 * Maps a ServiceNow answer that is not the JSON we asked for to an UpstreamError. The texts quote
 * ServiceNow's own `error.message` / `error.detail` (platform texts such as "User Not Authenticated"
 * or "User is unauthorized to access table: x", not secret), but never the password, the
 * Authorization header or the request body; as a last guard every value the call considers
 * sensitive is scrubbed from the final text.
 */
export interface CallContext {
  /** What we were doing, for the message: `reading sys_user`. */
  operation: string;
  table: string;
  username: string;
  /** Values that must not appear in any message (password, secret being written, ...). */
  sensitive: readonly string[];
}

const MAX_UPSTREAM_TEXT = 300;

export function isHtml(res: TransportResponse): boolean {
  const type = headerValue(res, 'content-type') ?? '';
  return type.toLowerCase().includes('text/html') || res.body.trimStart().startsWith('<');
}

/** A sleeping developer instance answers every URL with a "Your instance is hibernating" page. */
export function isHibernationPage(res: TransportResponse): boolean {
  return isHtml(res) && /hibernat/i.test(res.body);
}

export function hibernatingError(res: TransportResponse): UpstreamError {
  return new UpstreamError({
    code: 'SERVICENOW_HIBERNATING',
    service: 'servicenow',
    status: res.status,
    attempts: res.attempts,
    message: 'The ServiceNow instance is hibernating (it answered with its "instance is hibernating" page)',
  });
}

/** For a 2xx (or 3xx) whose body is not the expected JSON. */
export function badResponseError(res: TransportResponse, ctx: CallContext, why: string): UpstreamError {
  return new UpstreamError({
    code: 'UPSTREAM_BAD_RESPONSE',
    service: 'servicenow',
    status: res.status,
    attempts: res.attempts,
    message: scrub(`ServiceNow answered ${ctx.operation} with HTTP ${res.status} but ${why}`, ctx),
  });
}

export function unexpectedBodyError(res: TransportResponse, ctx: CallContext): UpstreamError {
  if (res.status >= 300 && res.status < 400) {
    return badResponseError(res, ctx, 'a redirect, which is not followed; check the instance URL');
  }
  if (isHtml(res)) {
    return badResponseError(
      res,
      ctx,
      'an HTML page instead of JSON (a login, SSO or proxy page?); check the instance URL',
    );
  }
  return badResponseError(res, ctx, 'a body that is not the JSON the Table API sends');
}

export function errorFromStatus(res: TransportResponse, ctx: CallContext): UpstreamError {
  const upstream = upstreamText(res);
  const said = upstream ? `: ${upstream.text}` : '';
  const status = res.status;
  const make = (code: UpstreamErrorCode, message: string, retryAfter?: number) =>
    new UpstreamError({
      code,
      service: 'servicenow',
      status,
      message: scrub(message, ctx),
      retryAfterSeconds: retryAfter,
      attempts: res.attempts,
    });

  if (status === 401) {
    // Real instances answer a right password without (or with a wrong) MFA code with this header.
    if (headerValue(res, 'x-mfa_token')?.toLowerCase() === 'invalid') {
      return make(
        'SERVICENOW_MFA_REQUIRED',
        `ServiceNow requires a multi-factor code for "${ctx.username}" (HTTP 401${said})`,
      );
    }
    return make(
      'SERVICENOW_AUTH_FAILED',
      `ServiceNow rejected the login of "${ctx.username}" (HTTP 401${said})`,
    );
  }
  if (status === 403) {
    return make(
      'SERVICENOW_FORBIDDEN',
      `ServiceNow denied "${ctx.username}" ${ctx.operation} (HTTP 403${said})`,
    );
  }
  if (status === 404) {
    return make('SERVICENOW_NOT_FOUND', `ServiceNow found nothing when ${ctx.operation} (HTTP 404${said})`);
  }
  if (status === 400 && /^invalid table/i.test(upstream?.message ?? '')) {
    return make('SERVICENOW_INVALID_TABLE', `ServiceNow has no table "${ctx.table}" (HTTP 400${said})`);
  }
  if (status === 429) {
    const wait = rateLimitWaitSeconds(res);
    return make('UPSTREAM_RATE_LIMITED', `ServiceNow rate limit reached (HTTP 429${said})`, wait);
  }
  if (status >= 500) {
    const tries = res.attempts > 1 ? `, ${res.attempts} attempts` : '';
    return make(
      'UPSTREAM_SERVER_ERROR',
      `ServiceNow failed while ${ctx.operation} (HTTP ${status}${said}${tries})`,
    );
  }
  if (status >= 400) {
    return make(
      'SERVICENOW_REQUEST_REJECTED',
      `ServiceNow rejected the request when ${ctx.operation} (HTTP ${status}${said})`,
    );
  }
  return unexpectedBodyError(res, ctx);
}

/**
 * `Retry-After` (seconds or an HTTP date) when present; otherwise ServiceNow's `X-RateLimit-Reset`,
 * which its rate-limit rules send as a UNIX timestamp of the window's end. A small value there is
 * taken as seconds to wait, as some gateways send it.
 */
export function rateLimitWaitSeconds(res: TransportResponse, nowMs = Date.now()): number | undefined {
  const retryAfter = retryAfterSeconds(res);
  if (retryAfter !== undefined) return retryAfter;
  const raw = headerValue(res, 'x-ratelimit-reset');
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) return undefined;
  if (n < 1_000_000_000) return Math.ceil(n);
  return Math.max(0, Math.ceil(n - nowMs / 1000));
}

function upstreamText(res: TransportResponse): { message: string; text: string } | undefined {
  if (isHtml(res)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    return undefined;
  }
  const parsed = errorEnvelopeSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const message = parsed.data.error.message?.trim() ?? '';
  const detail = parsed.data.error.detail?.trim() ?? '';
  const text = [message, detail].filter((s) => s !== '').join(' - ');
  if (text === '') return undefined;
  return {
    message,
    text: text.length > MAX_UPSTREAM_TEXT ? `${text.slice(0, MAX_UPSTREAM_TEXT)}…` : text,
  };
}

/** Belt and braces: an upstream text could in theory echo what we sent. */
function scrub(message: string, ctx: CallContext): string {
  let out = message;
  for (const value of ctx.sensitive) {
    if (value.length < 4) continue; // replacing one or two characters would mangle the text
    out = out.split(value).join('[hidden]');
  }
  return out;
}
