import got, { RequestError, TimeoutError, type Method } from 'got';
import { UpstreamError, type UpstreamService } from './upstream-error.js';

/**
 * The one place the API clients touch got. Every call has a timeout, never follows a redirect
 * (a redirect to another host would carry our credentials there) and never retries by itself:
 * a blind retry of a failed ServiceNow login can lock the account, and writes are not idempotent.
 * HTTP status handling is left to each client, which knows its service's error envelope.
 */
export interface TransportRequest {
  method: Method;
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
  searchParams?: Record<string, string>;
  timeoutMs: number;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export async function send(service: UpstreamService, req: TransportRequest): Promise<TransportResponse> {
  try {
    const res = await got(req.url, {
      method: req.method,
      headers: req.headers,
      json: req.json,
      searchParams: req.searchParams,
      timeout: { request: req.timeoutMs },
      retry: { limit: 0 },
      followRedirect: false,
      throwHttpErrors: false,
      responseType: 'text',
    });
    return { status: res.statusCode, headers: res.headers, body: res.body };
  } catch (err) {
    throw toTransportError(service, err, req.timeoutMs);
  }
}

const label: Record<UpstreamService, string> = { cloudknox: 'CloudKnox', servicenow: 'ServiceNow' };

/** got's own messages can quote the URL with a query string; build ours from the error class and code. */
function toTransportError(service: UpstreamService, err: unknown, timeoutMs: number): UpstreamError {
  if (err instanceof TimeoutError) {
    return new UpstreamError({
      code: 'UPSTREAM_TIMEOUT',
      service,
      message: `${label[service]} did not answer within ${(timeoutMs / 1000).toFixed(1)} s`,
    });
  }
  const code = err instanceof RequestError ? err.code : undefined;
  return new UpstreamError({
    code: 'UPSTREAM_UNREACHABLE',
    service,
    message: `${label[service]} could not be reached${code ? ` (${code})` : ''}`,
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
