import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ServiceNowClient } from '../../src/clients/servicenow/index.js';
import { UpstreamError } from '../../src/clients/upstream-error.js';

/**
 * What the simulator cannot produce: exact header variants, proxies, odd bodies and dates. nock
 * stands in for https://dev12345.service-now.com; nothing else may be called.
 */
const ORIGIN = 'https://dev12345.service-now.com';
const USER = 'cloudknox.chatops';
const PASSWORD = 'pässwörd#%^*{}:';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`, 'utf8').toString('base64')}`;
const TABLE = 'x_cloudknox_permissions_config';
const SYS_ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const USER_PATH = '/api/now/table/sys_user';
const CONFIG_PATH = `/api/now/table/${TABLE}`;

const snError = (message: string, detail: string | null) => ({
  error: { message, detail },
  status: 'failure',
});
const JSON_HEADERS = { 'content-type': 'application/json;charset=UTF-8' };

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function client(timeoutMs?: number) {
  return new ServiceNowClient({
    instanceUrl: `${ORIGIN}/login.do`,
    username: USER,
    password: PASSWORD,
    timeoutMs,
  });
}

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UpstreamError);
    return e as UpstreamError;
  }
  throw new Error('expected the call to fail');
}

/** The same answer to every GET of sys_user (up to 5), counting how often it was asked. */
function userAnswer(status: number, body: string | object, headers: Record<string, string> = JSON_HEADERS) {
  const calls = { n: 0 };
  nock(ORIGIN)
    .get(USER_PATH)
    .query(true)
    .times(5)
    .reply(() => {
      calls.n += 1;
      return [status, body, headers];
    });
  return calls;
}

describe('requests as ServiceNow expects them', () => {
  it('GET sys_user: UTF-8 Basic auth, Accept JSON, and the exact query', async () => {
    const scope = nock(ORIGIN, { reqheaders: { authorization: AUTH, accept: 'application/json' } })
      .get(USER_PATH)
      .query({
        sysparm_query: 'user_name=cloudknox.endpoint',
        sysparm_limit: '1',
        sysparm_fields: 'sys_id,user_name,active,locked_out',
        sysparm_exclude_reference_link: 'true',
      })
      .reply(200, {
        result: [{ sys_id: SYS_ID, user_name: 'cloudknox.endpoint', active: 'true', locked_out: 'true' }],
      });
    expect(await client().getUserByName('cloudknox.endpoint')).toEqual({
      sysId: SYS_ID,
      userName: 'cloudknox.endpoint',
      active: true,
      lockedOut: true,
    });
    scope.done();
  });

  it('GET the configuration record: oldest first, no secret field asked for', async () => {
    const scope = nock(ORIGIN, { reqheaders: { authorization: AUTH } })
      .get(CONFIG_PATH)
      .query({
        sysparm_query: 'ORDERBYsys_created_on',
        sysparm_limit: '1',
        sysparm_fields: 'sys_id,api_endpoint,service_account_id,access_key',
        sysparm_exclude_reference_link: 'true',
      })
      .reply(200, {
        result: [
          {
            sys_id: SYS_ID,
            api_endpoint: 'https://ck.example',
            service_account_id: 'sa-1',
            access_key: 'AK1',
          },
        ],
      });
    expect(await client().getConfigRecord(TABLE)).toEqual({
      sysId: SYS_ID,
      apiEndpoint: 'https://ck.example',
      serviceAccountId: 'sa-1',
      accessKey: 'AK1',
    });
    scope.done();
  });

  it('PATCH the record: only the given fields, with sysparm_input_display_value=true', async () => {
    const scope = nock(ORIGIN, { reqheaders: { authorization: AUTH, 'content-type': /application\/json/ } })
      .patch(`${CONFIG_PATH}/${SYS_ID}`, { access_key: 'AK2', secret_key: 'new-secret-value' })
      .query({
        sysparm_input_display_value: 'true',
        sysparm_fields: 'sys_id,api_endpoint,service_account_id,access_key',
        sysparm_exclude_reference_link: 'true',
      })
      .reply(200, {
        result: {
          sys_id: SYS_ID,
          api_endpoint: 'https://ck.example',
          service_account_id: 'sa-1',
          access_key: 'AK2',
        },
      });
    const stray = { access_key: 'AK2', secret_key: 'new-secret-value', sys_id: 'nope' } as never;
    expect(await client().updateConfigRecord(TABLE, SYS_ID, stray)).toMatchObject({ accessKey: 'AK2' });
    scope.done();
  });
});

describe('answers that mean "none"', () => {
  it('Table API v1 answers an empty query with 404 "No Record found": no user, no record', async () => {
    const v1Empty = snError(
      'No Record found',
      'Records matching query not found. Check query parameter or offset parameter',
    );
    nock(ORIGIN).get(USER_PATH).query(true).reply(404, v1Empty);
    nock(ORIGIN).get(CONFIG_PATH).query(true).reply(404, v1Empty);
    expect(await client().getUserByName('nobody')).toBeUndefined();
    expect(await client().getConfigRecord(TABLE)).toBeUndefined();
  });

  it('v2 answers 200 with an empty list', async () => {
    userAnswer(200, { result: [] });
    expect(await client().getUserByName('nobody')).toBeUndefined();
  });

  it('a user other than the one asked for (query ignored by the instance) is not taken for it', async () => {
    userAnswer(200, {
      result: [{ sys_id: SYS_ID, user_name: 'admin', active: 'true', locked_out: 'false' }],
    });
    expect(await client().getUserByName('cloudknox.endpoint')).toBeUndefined();
  });

  it('user names match case-insensitively, and JSON booleans are accepted too', async () => {
    userAnswer(200, {
      result: [{ sys_id: SYS_ID, user_name: 'CloudKnox.Endpoint', active: false, locked_out: false }],
    });
    expect(await client().getUserByName('cloudknox.endpoint')).toMatchObject({
      active: false,
      lockedOut: false,
    });
  });
});

describe('error mapping', () => {
  it.each([
    [
      401,
      snError('User Not Authenticated', 'Required to provide Auth information'),
      { 'x-mfa_token': 'invalid' },
      'SERVICENOW_MFA_REQUIRED',
    ],
    [
      401,
      snError('User Not Authenticated', 'Required to provide Auth information'),
      { 'X-MFA_TOKEN': 'Invalid' },
      'SERVICENOW_MFA_REQUIRED',
    ],
    [
      401,
      snError('User Not Authenticated', 'Required to provide Auth information'),
      {},
      'SERVICENOW_AUTH_FAILED',
    ],
    [
      401,
      '<html><body>Sign in with SSO</body></html>',
      { 'content-type': 'text/html' },
      'SERVICENOW_AUTH_FAILED',
    ],
    [403, snError('User Not Authorized', 'Failed API level ACL Validation'), {}, 'SERVICENOW_FORBIDDEN'],
    [
      404,
      snError('No Record found', "Record doesn't exist or ACL restricts the record retrieval"),
      {},
      'SERVICENOW_NOT_FOUND',
    ],
    [400, snError('Invalid table x_cloudknox_permissions_config', null), {}, 'SERVICENOW_INVALID_TABLE'],
    [400, snError('offset is -1', 'Negative offset is not supported'), {}, 'SERVICENOW_REQUEST_REJECTED'],
    [405, snError('Method not Supported', 'The method is not supported'), {}, 'SERVICENOW_REQUEST_REJECTED'],
    [500, snError('Internal server error', 'Maximum execution time exceeded'), {}, 'UPSTREAM_SERVER_ERROR'],
    [502, 'Bad Gateway', { 'content-type': 'text/plain' }, 'UPSTREAM_SERVER_ERROR'],
    [302, '', { location: 'https://evil.example/steal' }, 'UPSTREAM_BAD_RESPONSE'],
  ])('HTTP %i %j %j -> %s, asked once (a 5xx read: 3 times)', async (status, body, headers, code) => {
    const calls = userAnswer(status, body, { ...JSON_HEADERS, ...headers });
    const err = await failure(client().getUserByName('cloudknox.endpoint'));
    expect(err.code).toBe(code);
    expect(err.service).toBe('servicenow');
    expect(err.status).toBe(status);
    // Retry policy: only a 5xx is retried (a read, up to 2 more times); a 401 never, nor any 4xx.
    expect(calls.n).toBe(status >= 500 ? 3 : 1);
    expect(err.attempts).toBe(calls.n);
    if (typeof body === 'object' && body.error.message) expect(err.message).toContain(body.error.message);
    expect(err.message).not.toContain(PASSWORD);
    expect(err.message).not.toContain(AUTH.slice(6));
  });

  it('the 400 "Invalid table" error names the table that was asked for', async () => {
    nock(ORIGIN)
      .get(CONFIG_PATH)
      .query(true)
      .reply(400, snError(`Invalid table ${TABLE}`, null));
    const err = await failure(client().getConfigRecord(TABLE));
    expect(err.code).toBe('SERVICENOW_INVALID_TABLE');
    expect(err.message).toContain(`"${TABLE}"`);
  });

  it('a PATCH that fails is not retried, whatever the status', async () => {
    for (const status of [500, 503, 401]) {
      let calls = 0;
      nock(ORIGIN)
        .patch(`${CONFIG_PATH}/${SYS_ID}`)
        .query(true)
        .reply(() => {
          calls += 1;
          return [status, snError('failed', null)];
        });
      await failure(client().updateConfigRecord(TABLE, SYS_ID, { secret_key: 'new-secret-value' }));
      expect(calls).toBe(1);
      nock.cleanAll();
    }
  });
});

describe('rate limits', () => {
  it('Retry-After in seconds', async () => {
    userAnswer(429, snError('Rate limit exceeded', null), { ...JSON_HEADERS, 'retry-after': '37' });
    const err = await failure(client().getUserByName('x'));
    expect(err.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(err.retryAfterSeconds).toBe(37);
  });

  it('Retry-After as an HTTP date', async () => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    userAnswer(429, snError('Rate limit exceeded', null), { ...JSON_HEADERS, 'retry-after': at });
    const err = await failure(client().getUserByName('x'));
    expect(err.retryAfterSeconds).toBeGreaterThanOrEqual(118);
    expect(err.retryAfterSeconds).toBeLessThanOrEqual(121);
  });

  it('only X-RateLimit-Reset, a UNIX timestamp as ServiceNow sends it', async () => {
    const reset = Math.floor(Date.now() / 1000) + 300;
    userAnswer(429, snError('Rate limit exceeded', null), {
      ...JSON_HEADERS,
      'x-ratelimit-limit': '100',
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-rule': 'a'.repeat(32),
    });
    const err = await failure(client().getUserByName('x'));
    expect(err.retryAfterSeconds).toBeGreaterThanOrEqual(298);
    expect(err.retryAfterSeconds).toBeLessThanOrEqual(301);
  });

  it('no hint at all', async () => {
    userAnswer(429, 'Too Many Requests', { 'content-type': 'text/plain' });
    const err = await failure(client().getUserByName('x'));
    expect(err.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(err.retryAfterSeconds).toBeUndefined();
    expect(err.message).not.toContain('retry after');
  });
});

describe('bodies that are not the Table API JSON', () => {
  const hibernation =
    '<!DOCTYPE html><html><head><title>Instance Hibernating page</title></head>' +
    '<body><h1>Your instance is hibernating</h1><p>Sign in to the site to wake your instance</p></body></html>';

  it('the hibernation page (200 text/html) is SERVICENOW_HIBERNATING', async () => {
    userAnswer(200, hibernation, { 'content-type': 'text/html;charset=UTF-8' });
    expect((await failure(client().getUserByName('x'))).code).toBe('SERVICENOW_HIBERNATING');
  });

  it('the hibernation page with a JSON content type is still recognised by its body', async () => {
    userAnswer(200, `\n  ${hibernation}`, JSON_HEADERS);
    expect((await failure(client().getUserByName('x'))).code).toBe('SERVICENOW_HIBERNATING');
  });

  it('another HTML page (a proxy or login page) is UPSTREAM_BAD_RESPONSE that says so', async () => {
    userAnswer(200, '<html><body>Corporate proxy: please sign in</body></html>', {
      'content-type': 'text/html',
    });
    const err = await failure(client().getUserByName('x'));
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.message).toMatch(/HTML page/);
  });

  it.each([
    ['malformed JSON', '{"result": [ {"sys_id": '],
    ['no result', '{"records": []}'],
    ['result is an object', '{"result": {"sys_id": "x"}}'],
    ['a record without its fields', '{"result": [{"sys_id": "abc"}]}'],
    [
      'a boolean that is not one',
      '{"result": [{"sys_id":"a","user_name":"x","active":"yes","locked_out":"false"}]}',
    ],
    ['an empty body', ''],
  ])('%s is UPSTREAM_BAD_RESPONSE', async (_what, body) => {
    userAnswer(200, body, JSON_HEADERS);
    const err = await failure(client().getUserByName('x'));
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.status).toBe(200);
  });

  it('a PATCH answered with a list is UPSTREAM_BAD_RESPONSE', async () => {
    nock(ORIGIN).patch(`${CONFIG_PATH}/${SYS_ID}`).query(true).reply(200, { result: [] });
    const err = await failure(client().updateConfigRecord(TABLE, SYS_ID, { access_key: 'AK3' }));
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
  });
});

describe('transport failures', () => {
  it('a connection reset on every attempt is UPSTREAM_UNREACHABLE after 3 attempts', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    nock(ORIGIN).get(USER_PATH).query(true).times(3).replyWithError(reset);
    const err = await failure(client().getUserByName('x'));
    expect(err.code).toBe('UPSTREAM_UNREACHABLE');
    expect(err.message).toContain('ECONNRESET');
    expect(err.message).toContain('3 attempts');
  });

  it('a slow answer is UPSTREAM_TIMEOUT after timeoutMs', async () => {
    nock(ORIGIN).get(USER_PATH).query(true).delay(1000).reply(200, { result: [] });
    const started = Date.now();
    const err = await failure(client(100).getUserByName('x'));
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(900);
  });
});

describe('secrets never reach an error message', () => {
  it('even when an upstream error text echoes the password, the Authorization value or the secret sent', async () => {
    const secret = 'ck-secret-CANARY-9f8e7d';
    nock(ORIGIN)
      .patch(`${CONFIG_PATH}/${SYS_ID}`)
      .query(true)
      .reply(400, snError(`Bad value ${secret} for ${PASSWORD}`, `header was ${AUTH}`));
    const err = await failure(client().updateConfigRecord(TABLE, SYS_ID, { secret_key: secret }));
    expect(err.code).toBe('SERVICENOW_REQUEST_REJECTED');
    const everything = `${err.message} ${err.stack ?? ''} ${JSON.stringify(err)}`;
    expect(everything).toContain('[hidden]');
    for (const s of [secret, PASSWORD, AUTH.slice(6)]) expect(everything).not.toContain(s);
  });
});
