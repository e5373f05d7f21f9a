import type { SimReply, SimRequest } from '../http-server.js';

/** CloudKnox's error envelope: `{errorCode, message}` plus any extra fields. */
export function fail(
  status: number,
  errorCode: string,
  message: string,
  extra: Record<string, unknown> = {},
  headers?: Record<string, string>,
): SimReply {
  return { status, body: { errorCode, message, ...extra }, ...(headers ? { headers } : {}) };
}

export function ok(body: unknown, status = 200): SimReply {
  return { status, body };
}

export function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** The JSON body as an object; `{}` for an empty body, undefined for anything else (bad JSON, array…). */
export function jsonObject(req: SimRequest): Record<string, unknown> | undefined {
  if (req.rawBody.trim() === '') return {};
  const b = req.body;
  return b && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : undefined;
}

const MAX_SKEW_MS = 15 * 60_000;

/** `X-CloudKnox-Timestamp-Millis` must be a number within 15 minutes of the wall clock. */
export function badTimestamp(req: SimRequest): SimReply | undefined {
  const raw = header(req, 'x-cloudknox-timestamp-millis');
  const ms = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (Number.isNaN(ms)) {
    return fail(400, 'INVALID_TIMESTAMP', 'X-CloudKnox-Timestamp-Millis is missing or not a number');
  }
  if (Math.abs(Date.now() - ms) > MAX_SKEW_MS) {
    return fail(400, 'INVALID_TIMESTAMP', 'X-CloudKnox-Timestamp-Millis is too far from the server clock');
  }
  return undefined;
}
