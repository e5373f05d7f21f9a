import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudKnoxClient } from '../../src/clients/cloudknox/index.js';
import { callBudgetMs, nextRetryDelay, RETRY_SCHEDULES } from '../../src/clients/retry-policy.js';
import { ServiceNowClient } from '../../src/clients/servicenow/index.js';
import { UpstreamError } from '../../src/clients/upstream-error.js';

/**
 * Issue 6, "Retry policy", with scripted answers (nock): reads retried on 5xx, resets and timeouts;
 * CloudKnox authentication once; writes and every 4xx (a refused login above all) never; every call
 * bounded in time. test/clients/retry-simulators.test.ts proves the same against the simulators.
 */
const CK = 'https://cloudknox.test';
const SN = 'https://dev12345.service-now.com';
const AUTH = '/api/v2/service-account/authenticate';
const API = '/api/v2/integrations/servicenow';
const SYS_USER = '/api/now/table/sys_user';
const TABLE = 'x_cloudknox_permissions_config';
const SYS_ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const ACCESS_KEY = 'AKCKCANARYACCESS9Q7Z';

const integration = {
  endpoint: SN,
  username: 'cloudknox.endpoint',
  passwordSet: true,
  apiEndpoint: CK,
  createdBy: 'priya.raman@contoso.com',
  createdOn: '2021-12-09T10:00:00.000Z',
  serviceAccountId: 'sa-1',
  accessKey: ACCESS_KEY,
};
const otpChallenge = {
  otpRequestId: 'otp-1',
  sentTo: 'p•••@contoso.com',
  expiresAt: '2030-01-01T00:00:00.000Z',
  resendAfter: '2030-01-01T00:00:00.000Z',
};
const userRow = {
  sys_id: 'a'.repeat(32),
  user_name: 'cloudknox.endpoint',
  active: 'true',
  locked_out: 'false',
};
const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function cloudknox(timeoutMs = 2000) {
  return new CloudKnoxClient({
    baseUrl: CK,
    serviceAccountId: 'sa-bot',
    accessKey: 'AKBOTBOTBOTBOTBOT001',
    secretKey: 'ck-secret-canary',
    timeoutMs,
  });
}

function servicenow(timeoutMs = 2000) {
  return new ServiceNowClient({ instanceUrl: SN, username: 'cloudknox.chatops', password: 'pw', timeoutMs });
}

/** Counts every request that reaches the scope's interceptors. */
function counter(scope: nock.Scope) {
  const n = { value: 0 };
  scope.on('request', () => (n.value += 1));
  return n;
}

function authOk() {
  return nock(CK).post(AUTH).reply(200, { accessToken: 'tok-1', apiId: 'api-1' });
}

async function caught(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UpstreamError);
    return e as UpstreamError;
  }
  throw new Error('expected a rejection');
}

describe('the schedule', () => {
  it('reads: two retries, about 200 ms then 800 ms (±25 % jitter); logins: one; writes: none', () => {
    const at = (cls: 'read' | 'login' | 'write', attempt: number, random: number) =>
      nextRetryDelay({ cls, attempt, timeoutMs: 10_000, elapsedMs: 50, random: () => random });
    expect([at('read', 1, 0), at('read', 1, 0.5), at('read', 1, 0.999999)]).toEqual([150, 200, 250]);
    expect([at('read', 2, 0), at('read', 2, 0.5), at('read', 2, 0.999999)]).toEqual([600, 800, 1000]);
    expect(at('read', 3, 0.5)).toBeUndefined();
    expect(at('login', 1, 0.5)).toBe(200);
    expect(at('login', 2, 0.5)).toBeUndefined();
    expect(at('write', 1, 0.5)).toBeUndefined();
    expect(RETRY_SCHEDULES.write.backoffMs).toEqual([]);
  });

  it('the whole call fits in twice the per-call timeout (once for a write)', () => {
    expect([
      callBudgetMs('read', 10_000),
      callBudgetMs('login', 10_000),
      callBudgetMs('write', 10_000),
    ]).toEqual([20_000, 20_000, 10_000]);
    // A first attempt that timed out after 10 s leaves room for one more (at least half a timeout)…
    expect(nextRetryDelay({ cls: 'read', attempt: 1, timeoutMs: 10_000, elapsedMs: 10_000 })).toBeDefined();
    // …but not for a third after the second timed out too.
    expect(nextRetryDelay({ cls: 'read', attempt: 2, timeoutMs: 10_000, elapsedMs: 19_900 })).toBeUndefined();
  });

  it("a 5xx's Retry-After is honoured when it fits the budget, otherwise the failure stands", () => {
    const base = { cls: 'read' as const, attempt: 1, timeoutMs: 10_000, elapsedMs: 20, random: () => 0.5 };
    expect(nextRetryDelay({ ...base, retryAfterMs: 3_000 })).toBe(3_000);
    expect(nextRetryDelay({ ...base, retryAfterMs: 120_000 })).toBeUndefined();
  });
});

describe('CloudKnox reads are retried on 5xx, resets and timeouts', () => {
  it('GET integration succeeds after one 503', async () => {
    authOk();
    const scope = nock(CK).get(API).reply(503, 'busy').get(API).reply(200, integration);
    const gets = counter(scope);
    await expect(cloudknox().getIntegration()).resolves.toEqual(integration);
    expect(gets.value).toBe(2);
  });

  it('GET keys succeeds after one connection reset', async () => {
    authOk();
    const scope = nock(CK).get(`${API}/keys`).replyWithError(reset()).get(`${API}/keys`).reply(200, []);
    const gets = counter(scope);
    await expect(cloudknox().listKeys()).resolves.toEqual([]);
    expect(gets.value).toBe(2);
  });

  it('GET integration succeeds after one timeout', async () => {
    authOk();
    nock(CK).get(API).delay(3000).reply(200, integration).get(API).reply(200, integration);
    const started = Date.now();
    await expect(cloudknox(600).getIntegration()).resolves.toEqual(integration);
    expect(Date.now() - started).toBeLessThan(1600);
  });

  it('a 5xx that lasts is reported after 3 attempts, with the count', async () => {
    authOk();
    const gets = counter(nock(CK).get(API).times(3).reply(502, 'bad gateway'));
    const err = await caught(cloudknox().getIntegration());
    expect([err.code, err.status, err.attempts, gets.value]).toEqual(['UPSTREAM_SERVER_ERROR', 502, 3, 3]);
    expect(err.message).toBe('CloudKnox answered HTTP 502 to get integration (3 attempts)');
  });

  it.each([400, 403, 404, 409, 422, 429, 501])('a GET answered %i is asked once', async (status) => {
    authOk();
    const gets = counter(
      nock(CK).get(API).times(3).reply(status, { errorCode: 'X', message: 'no' }, { 'retry-after': '0' }),
    );
    await caught(cloudknox().getIntegration());
    expect(gets.value).toBe(1);
  });

  it('a 503 whose Retry-After is longer than the budget is not waited for', async () => {
    authOk();
    const gets = counter(nock(CK).get(API).times(3).reply(503, 'later', { 'retry-after': '120' }));
    const started = Date.now();
    expect((await caught(cloudknox().getIntegration())).code).toBe('UPSTREAM_SERVER_ERROR');
    expect(gets.value).toBe(1);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('CloudKnox writes are sent exactly once', () => {
  const writes = [
    ['save', 'post', `${API}/save`, (c: CloudKnoxClient) => c.saveIntegration()],
    ['test', 'post', `${API}/test`, (c: CloudKnoxClient) => c.testIntegration()],
    ['OTP request', 'post', `${API}/keys/otp`, (c: CloudKnoxClient) => c.requestKeyOtp()],
    ['OTP resend', 'post', `${API}/keys/otp/otp-1/resend`, (c: CloudKnoxClient) => c.resendKeyOtp('otp-1')],
    [
      'create key',
      'post',
      `${API}/keys`,
      (c: CloudKnoxClient) => c.createKey({ otpRequestId: 'otp-1', otp: '123456' }),
    ],
    ['revoke', 'delete', `${API}/keys/${ACCESS_KEY}`, (c: CloudKnoxClient) => c.revokeKey(ACCESS_KEY)],
  ] as const;

  it.each(writes)('%s on a 503', async (_name, method, path, call) => {
    authOk();
    const sent = counter(nock(CK)[method](path).times(3).reply(503, 'busy'));
    expect((await caught(call(cloudknox()))).code).toBe('UPSTREAM_SERVER_ERROR');
    expect(sent.value).toBe(1);
  });

  it.each(writes)('%s on a connection reset', async (_name, method, path, call) => {
    authOk();
    const sent = counter(nock(CK)[method](path).times(3).replyWithError(reset()));
    expect((await caught(call(cloudknox()))).code).toBe('UPSTREAM_UNREACHABLE');
    expect(sent.value).toBe(1);
  });

  it.each(writes)('%s on a timeout (every call has one)', async (_name, method, path, call) => {
    authOk();
    const sent = counter(nock(CK)[method](path).times(3).delay(3000).reply(200, otpChallenge));
    const started = Date.now();
    const err = await caught(call(cloudknox(600)));
    expect([err.code, err.attempts]).toEqual(['UPSTREAM_TIMEOUT', 1]);
    expect(err.message).toBe('CloudKnox did not answer within 0.6 s');
    expect(sent.value).toBe(1);
    expect(Date.now() - started).toBeLessThan(1200);
  });
});

describe('CloudKnox authentication: a refusal never retried, a transient failure once', () => {
  it.each([400, 401, 403])('a login answered %i is sent exactly once', async (status) => {
    const logins = counter(
      nock(CK)
        .post(AUTH)
        .times(3)
        .reply(status, { errorCode: 'INVALID_CREDENTIALS', message: 'Invalid service account credentials' }),
    );
    expect((await caught(cloudknox().getIntegration())).code).toMatch(/CLOUDKNOX_/);
    expect(logins.value).toBe(1);
  });

  it('verifyCredentials of a refused key is sent exactly once', async () => {
    const logins = counter(nock(CK).post(AUTH).times(3).reply(401, { errorCode: 'INVALID_CREDENTIALS' }));
    const creds = { serviceAccountId: 'sa', accessKey: 'AKNEW000000000000001', secretKey: 'new-secret' };
    expect((await caught(CloudKnoxClient.verifyCredentials(CK, creds, 2000))).code).toBe(
      'CLOUDKNOX_AUTH_REJECTED',
    );
    expect(logins.value).toBe(1);
  });

  it.each([
    ['a 503', (s: nock.Interceptor) => s.reply(503, 'busy')],
    ['a reset', (s: nock.Interceptor) => s.replyWithError(reset())],
  ])('after %s the login is tried once more and the call goes on', async (_what, fail) => {
    const failed = counter(fail(nock(CK).post(AUTH)));
    const accepted = counter(nock(CK).post(AUTH).reply(200, { accessToken: 'tok-1', apiId: 'api-1' }));
    nock(CK).get(API).reply(200, integration);
    await expect(cloudknox().getIntegration()).resolves.toEqual(integration);
    expect([failed.value, accepted.value]).toEqual([1, 1]);
  });

  it('after a login timeout it is tried once more', async () => {
    nock(CK).post(AUTH).delay(3000).reply(200, { accessToken: 'late', apiId: 'x' });
    authOk();
    nock(CK).get(API).reply(200, integration);
    await expect(cloudknox(600).getIntegration()).resolves.toEqual(integration);
  });

  it('a login that keeps failing with 5xx gives up after 2 attempts', async () => {
    const logins = counter(nock(CK).post(AUTH).times(4).reply(500, 'down'));
    const err = await caught(cloudknox().getIntegration());
    expect([err.code, err.attempts, logins.value]).toEqual(['UPSTREAM_SERVER_ERROR', 2, 2]);
  });

  it('a login that keeps timing out stays within twice the per-call timeout', async () => {
    nock(CK).post(AUTH).times(3).delay(5000).reply(200, { accessToken: 'late', apiId: 'x' });
    const started = Date.now();
    const err = await caught(cloudknox(600).getIntegration());
    expect([err.code, err.attempts]).toEqual(['UPSTREAM_TIMEOUT', 2]);
    expect(Date.now() - started).toBeLessThan(2 * 600 + 300);
  });
});

describe('ServiceNow', () => {
  const userPath = () => nock(SN).get(SYS_USER).query(true);

  it('a read succeeds after one 503', async () => {
    userPath().reply(503, 'busy');
    userPath().reply(200, { result: [userRow] });
    await expect(servicenow().getUserByName('cloudknox.endpoint')).resolves.toMatchObject({ active: true });
  });

  it('a read succeeds after one reset', async () => {
    userPath().replyWithError(reset());
    userPath().reply(200, { result: [userRow] });
    await expect(servicenow().getUserByName('cloudknox.endpoint')).resolves.toMatchObject({ active: true });
  });

  it('a read succeeds after one timeout', async () => {
    userPath().delay(3000).reply(200, { result: [] });
    userPath().reply(200, { result: [userRow] });
    await expect(servicenow(600).getUserByName('cloudknox.endpoint')).resolves.toMatchObject({
      active: true,
    });
  });

  it('a refused login (401) is sent exactly once: retrying would count towards the lock-out', async () => {
    const asked = counter(
      nock(SN)
        .get(SYS_USER)
        .query(true)
        .times(3)
        .reply(401, { error: { message: 'User Not Authenticated', detail: null }, status: 'failure' }),
    );
    expect((await caught(servicenow().getUserByName('x'))).code).toBe('SERVICENOW_AUTH_FAILED');
    expect(asked.value).toBe(1);
  });

  it.each([
    ['a 503', (i: nock.Interceptor) => i.reply(503, 'busy'), 'UPSTREAM_SERVER_ERROR'],
    ['a reset', (i: nock.Interceptor) => i.replyWithError(reset()), 'UPSTREAM_UNREACHABLE'],
    ['a timeout', (i: nock.Interceptor) => i.delay(3000).reply(200, { result: {} }), 'UPSTREAM_TIMEOUT'],
  ])('the PATCH of the secret is sent exactly once on %s', async (_what, fail, code) => {
    const sent = counter(fail(nock(SN).patch(`/api/now/table/${TABLE}/${SYS_ID}`).query(true).times(3)));
    const err = await caught(servicenow(600).updateConfigRecord(TABLE, SYS_ID, { secret_key: 'new-secret' }));
    expect([err.code, sent.value]).toEqual([code, 1]);
  });
});
