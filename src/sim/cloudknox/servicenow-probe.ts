/**
 * What CloudKnox's "Test Connection" does: one real Table API read on the ServiceNow instance with
 * the integration user's Basic credentials. Every outcome is an answer, never a thrown error.
 */
export type ProbeResult =
  { status: 'SUCCESS'; message: string } | { status: 'FAILURE'; errorCode: string; message: string };

export const SUCCESS_MESSAGE = 'Connection successful, please Save';

export async function probeServiceNow(input: {
  endpoint: string;
  username: string;
  password: string;
  timeoutMs: number;
}): Promise<ProbeResult> {
  const { username, timeoutMs } = input;
  let base: URL;
  try {
    base = new URL(input.endpoint.trim());
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('scheme');
  } catch {
    return failure('INVALID_ENDPOINT', 'The ServiceNow endpoint is not a valid http(s) URL');
  }
  const url = new URL(`${base.origin}${base.pathname.replace(/\/+$/, '')}/api/now/table/sys_user`);
  url.searchParams.set('sysparm_query', `user_name=${username}`);
  url.searchParams.set('sysparm_limit', '1');
  const where = base.origin;

  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: 'GET',
      headers: {
        accept: 'application/json',
        authorization: `Basic ${Buffer.from(`${username}:${input.password}`, 'utf8').toString('base64')}`,
      },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      return failure(
        'SERVICENOW_TIMEOUT',
        `ServiceNow at ${where} did not answer within ${Math.round(timeoutMs / 1000)} s`,
      );
    }
    return failure('SERVICENOW_UNREACHABLE', `Could not connect to ServiceNow at ${where}`);
  }

  const s = res.status;
  if (s >= 200 && s < 300) {
    if (isTableApiAnswer(res, text)) return { status: 'SUCCESS', message: SUCCESS_MESSAGE };
    return failure(
      'SERVICENOW_UNAVAILABLE',
      `ServiceNow at ${where} answered a web page instead of the Table API; the instance may be hibernating or unavailable`,
    );
  }
  if (s === 401) {
    if (res.headers.get('x-mfa_token') === 'invalid') {
      return failure(
        'SERVICENOW_MFA_REQUIRED',
        `ServiceNow asks for multi-factor authentication for user ${username}`,
      );
    }
    return failure('SERVICENOW_AUTH_FAILED', `ServiceNow rejected the credentials for user ${username}`);
  }
  if (s === 403)
    return failure('SERVICENOW_FORBIDDEN', `ServiceNow denied user ${username} access to sys_user`);
  if (s === 404) return failure('SERVICENOW_NOT_FOUND', `No ServiceNow Table API at ${where}`);
  if (s === 429) {
    const wait = res.headers.get('retry-after');
    return failure(
      'SERVICENOW_RATE_LIMITED',
      `ServiceNow is rate-limiting user ${username}${wait ? `; retry after ${wait} s` : ''}`,
    );
  }
  if (s >= 300 && s < 400) {
    return failure(
      'SERVICENOW_UNAVAILABLE',
      `ServiceNow at ${where} redirected instead of answering; the instance may be unavailable`,
    );
  }
  return failure('SERVICENOW_ERROR', `ServiceNow at ${where} answered HTTP ${s}`);
}

function failure(errorCode: string, message: string): ProbeResult {
  return { status: 'FAILURE', errorCode, message };
}

function isTableApiAnswer(res: Response, text: string): boolean {
  if (!(res.headers.get('content-type') ?? '').includes('json')) return false;
  try {
    const body = JSON.parse(text) as unknown;
    return typeof body === 'object' && body !== null && 'result' in body;
  } catch {
    return false;
  }
}
