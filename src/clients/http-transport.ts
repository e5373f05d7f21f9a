import got, { RequestError, TimeoutError, type Method } from 'got';
import { OutboundBlockedError, type OutboundPolicy } from './outbound-policy.js';
import {
  callBudgetMs,
  isRetryableStatus,
  isTransientErrorCode,
  nextRetryDelay,
  type RetryClass,
} from './retry-policy.js';
import { UpstreamError, type UpstreamService } from './upstream-error.js';

/**
 * The one place the API clients touch got. Every attempt has a timeout; redirects are never followed
 * (a redirect to another host would carry our credentials there); got's own retry is off, and the
 * retry policy (retry-policy.ts) decides instead: reads retried on transient failures, a login once,
 * writes never. With an outbound policy (outbound-policy.ts; the bot always passes one) the URL is
 * checked before anything is sent and every resolved address when the socket connects.
 * HTTP status handling is left to each client, which knows its service's error envelope.
 */
export interface TransportRequest {
  method: Method;
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
  searchParams?: Record<string, string>;
  /** Per attempt. The whole call stays within the retry class's budget (a multiple of this). */
  timeoutMs: number;
  /** How a failure may be retried; a request that does not say is a write and is sent once. */
  retry?: RetryClass;
  /** Where the request may go. Only tests talking to scripted servers leave it out. */
  outbound?: OutboundPolicy | undefined;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** How many times the request was sent (retries included). */
  attempts: number;
}

export async function send(service: UpstreamService, req: TransportRequest): Promise<TransportResponse> {
  const problem = req.outbound?.urlProblem(service, req.url);
  if (problem) throw blocked(service, `its URL ${problem.text}`);
  const cls = req.retry ?? 'write';
  const now = Date.now;
  const started = now();
  const budget = callBudgetMs(cls, req.timeoutMs);
  for (let attempt = 1; ; attempt++) {
    const timeoutMs = Math.max(1, Math.min(req.timeoutMs, budget - (now() - started)));
    let res: TransportResponse | undefined;
    let failure: unknown;
    try {
      res = await sendOnce(req, timeoutMs, attempt);
    } catch (err) {
      failure = err;
    }
    if (res ? isRetryableStatus(res.status) : isTransient(failure)) {
      const retryAfter = res ? retryAfterSeconds(res) : undefined;
      const delay = nextRetryDelay({
        cls,
        attempt,
        timeoutMs: req.timeoutMs,
        elapsedMs: now() - started,
        retryAfterMs: retryAfter === undefined ? undefined : retryAfter * 1000,
      });
      if (delay !== undefined) {
        await new Promise<void>((r) => setTimeout(r, delay));
        continue;
      }
    }
    if (res) return res;
    throw toTransportError(service, failure, req.timeoutMs, attempt);
  }
}

async function sendOnce(
  req: TransportRequest,
  timeoutMs: number,
  attempt: number,
): Promise<TransportResponse> {
  const res = await got(req.url, {
    method: req.method,
    headers: req.headers,
    json: req.json,
    searchParams: req.searchParams,
    timeout: { request: timeoutMs },
    retry: { limit: 0 },
    followRedirect: false,
    throwHttpErrors: false,
    responseType: 'text',
    ...(req.outbound ? { dnsLookup: req.outbound.lookup, agent: req.outbound.agents } : {}),
  });
  return { status: res.statusCode, headers: res.headers, body: res.body, attempts: attempt };
}

function isTransient(err: unknown): boolean {
  if (err instanceof TimeoutError) return true;
  return err instanceof RequestError && !blockedCause(err) && isTransientErrorCode(err.code);
}

function blockedCause(err: unknown): OutboundBlockedError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof OutboundBlockedError) return e;
  }
  return undefined;
}

const label: Record<UpstreamService, string> = { cloudknox: 'CloudKnox', servicenow: 'ServiceNow' };

/** Refused by the outbound policy; the Slack text adds "Check CLOUDKNOX_API_URL…" (UPSTREAM_UNREACHABLE). */
function blocked(service: UpstreamService, why: string): UpstreamError {
  return new UpstreamError({
    code: 'UPSTREAM_UNREACHABLE',
    service,
    message: `${label[service]} was not contacted (outbound policy): ${why}`,
    attempts: 0,
  });
}

/** got's own messages can quote the URL with a query string; build ours from the error class and code. */
function toTransportError(
  service: UpstreamService,
  err: unknown,
  timeoutMs: number,
  attempts: number,
): UpstreamError {
  const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
  const refused = blockedCause(err);
  if (refused) return blocked(service, refused.message);
  if (err instanceof TimeoutError) {
    return new UpstreamError({
      code: 'UPSTREAM_TIMEOUT',
      service,
      message: `${label[service]} did not answer within ${(timeoutMs / 1000).toFixed(1)} s${tries}`,
      attempts,
    });
  }
  const code = err instanceof RequestError ? err.code : undefined;
  return new UpstreamError({
    code: 'UPSTREAM_UNREACHABLE',
    service,
    message: `${label[service]} could not be reached${code ? ` (${code})` : ''}${tries}`,
    attempts,
  });
}

/** Parses a JSON body; a body that is not JSON becomes UPSTREAM_BAD_RESPONSE with no body echoed. */
export function parseJsonBody(service: UpstreamService, res: TransportResponse): unknown {
  try {
    return JSON.parse(res.body);
  } catch {
    throw new UpstreamError({
      code: 'UPSTREAM_BAD_RESPONSE',
      service,
      status: res.status,
      message: `${label[service]} answered HTTP ${res.status} with a body that is not JSON`,
    });
  }
}

export function headerValue(res: TransportResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function retryAfterSeconds(res: TransportResponse): number | undefined {
  const raw = headerValue(res, 'retry-after');
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (Number.isFinite(n) && n >= 0) return n;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

export function serviceLabel(service: UpstreamService): string {
  return label[service];
}
