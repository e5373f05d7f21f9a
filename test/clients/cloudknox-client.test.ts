import { inspect } from 'node:util';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudKnoxClient, CloudKnoxError, otpAttemptsLeft } from '../../src/clients/cloudknox/index.js';
import { UpstreamError } from '../../src/clients/upstream-error.js';

/**
 * The CloudKnox client against scripted answers (nock) for what the simulator cannot produce:
 * odd status codes, broken bodies, timeouts, resets, and the exact count of (re)authentications.
 */
const BASE = 'http://cloudknox.test';
const SA = 'sa-0000-1111';
const ACCESS_KEY = 'AKCKCANARYACCESS9Q7Z';
const SECRET = 'ck-secret-CANARY-SECRET-d41d8cd98f00b204';
const TOKEN = 'tok-CANARY-TOKEN-e3b0c44298fc1c14';
const TOKEN2 = 'tok-CANARY-TOKEN-SECOND-9afbf4c8996fb924';
const API = '/api/v2/integrations/servicenow';

const integration = {
  endpoint: 'https://dev12345.service-now.com',
  username: 'cloudknox.endpoint',
  passwordSet: true,
  apiEndpoint: BASE,
  createdBy: 'priya.raman@contoso.com',
  createdOn: '2021-12-09T10:00:00.000Z',
  serviceAccountId: SA,
  accessKey: ACCESS_KEY,
};

function client(timeoutMs?: number): CloudKnoxClient {
  return new CloudKnoxClient({
    baseUrl: `${BASE}/`,
    serviceAccountId: SA,
    accessKey: ACCESS_KEY,
    secretKey: SECRET,
    timeoutMs,
  });
}

/** Expects one successful authentication, returning `token`; records what was sent. */
function authOk(token = TOKEN, apiId = 'api-1') {
  const seen: { headers: Record<string, string | string[] | undefined>; body: unknown }[] = [];
  const scope = nock(BASE)
    .post('/api/v2/service-account/authenticate')
    .reply(function (_uri, body) {
      seen.push({ headers: this.req.headers, body });
      return [200, { accessToken: token, apiId }];
    });
  return { scope, seen };
}

async function caught(p: Promise<unknown>): Promise<CloudKnoxError | UpstreamError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UpstreamError);
    return e as UpstreamError;
  }
  throw new Error('expected a rejection');
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, 'every scripted answer was used').toEqual([]);
});
afterAll(() => nock.enableNetConnect());

describe('authentication', () => {
  it('authenticates lazily, then sends the token, API id, service account and timestamp headers', async () => {
    const c = client();
    // Building the client made no call: nock would have thrown "no match" for an unscripted request.
    const auth = authOk();
    let callHeaders: Record<string, string | string[] | undefined> = {};
    nock(BASE)
      .get(API)
      .reply(function () {
        callHeaders = this.req.headers;
        return [200, integration];
      });

    await expect(c.getIntegration()).resolves.toEqual(integration);

    expect(auth.seen).toHaveLength(1);
    expect(auth.seen[0]?.body).toEqual({ serviceAccountId: SA, accessKey: ACCESS_KEY, secretKey: SECRET });
    expect(auth.seen[0]?.headers['x-cloudknox-service-account-id']).toBe(SA);
    const sentAt = Number(auth.seen[0]?.headers['x-cloudknox-timestamp-millis']);
    expect(Math.abs(Date.now() - sentAt)).toBeLessThan(60_000);

    expect(callHeaders['x-cloudknox-access-token']).toBe(TOKEN);
    expect(callHeaders['x-cloudknox-api-id']).toBe('api-1');
    expect(callHeaders['x-cloudknox-service-account-id']).toBe(SA);
    expect(Number(callHeaders['x-cloudknox-timestamp-millis'])).toBeGreaterThan(Date.now() - 60_000);
  });

  it('reuses the token for later calls', async () => {
    const c = client();
    authOk();
    nock(BASE).get(API).times(2).reply(200, integration);
    nock(BASE).get(`${API}/keys`).reply(200, []);
    await c.getIntegration();
    await c.getIntegration();
    await expect(c.listKeys()).resolves.toEqual([]);
  });

  it('shares one in-flight authentication between concurrent calls', async () => {
    const c = client();
    let auths = 0;
    nock(BASE)
      .post('/api/v2/service-account/authenticate')
      .times(5)
      .delay(50)
      .reply(() => {
        auths += 1;
        return [200, { accessToken: TOKEN, apiId: 'api-1' }];
      });
    nock(BASE).get(API).times(5).reply(200, integration);
    await Promise.all(Array.from({ length: 5 }, () => c.getIntegration()));
    expect(auths).toBe(1);
    nock.cleanAll(); // the 4 unused authentication answers
  });

  it('on a 401 re-authenticates once and repeats the call once', async () => {
    const c = client();
    authOk(TOKEN);
    nock(BASE).get(API).reply(200, integration);
    await c.getIntegration();

    nock(BASE)
      .get(API)
      .matchHeader('x-cloudknox-access-token', TOKEN)
      .reply(401, { errorCode: 'TOKEN_EXPIRED', message: 'expired' });
    const reauth = authOk(TOKEN2, 'api-2');
    nock(BASE).get(API).matchHeader('x-cloudknox-access-token', TOKEN2).reply(200, integration);
    await expect(c.getIntegration()).resolves.toEqual(integration);
    expect(reauth.seen).toHaveLength(1);
  });

  it('a second 401 after re-authenticating is an error, with no third attempt', async () => {
    const c = client();
    let calls = 0;
    let auths = 0;
    nock(BASE)
      .post('/api/v2/service-account/authenticate')
      .times(2)
      .reply(() => {
        auths += 1;
        return [200, { accessToken: `${TOKEN}-${auths}`, apiId: 'api' }];
      });
    nock(BASE)
      .post(`${API}/save`)
      .times(2)
      .reply(() => {
        calls += 1;
        return [401, { errorCode: 'UNAUTHORIZED', message: 'Access token is not valid' }];
      });
    const err = await caught(c.saveIntegration());
    expect(err.code).toBe('CLOUDKNOX_AUTH_REJECTED');
    expect(err.status).toBe(401);
    expect(err.upstreamCode).toBe('UNAUTHORIZED');
    expect(auths).toBe(2);
    expect(calls).toBe(2);
  });

  it.each([401, 403])(
    'authentication refused with %i → CLOUDKNOX_AUTH_REJECTED carrying CloudKnox’s message',
    async (status) => {
      const c = client();
      nock(BASE)
        .post('/api/v2/service-account/authenticate')
        .reply(status, { errorCode: 'INVALID_CREDENTIALS', message: 'Invalid service account credentials' });
      const err = await caught(c.getIntegration());
      expect(err.code).toBe('CLOUDKNOX_AUTH_REJECTED');
      expect(err.service).toBe('cloudknox');
      expect(err.upstreamCode).toBe('INVALID_CREDENTIALS');
      expect(err.message).toBe('Invalid service account credentials');
    },
  );

  it('a failed authentication is not remembered: the next call tries again', async () => {
    const c = client();
    // A 503 on authentication is retried once (retry-policy.ts), so it takes two to fail.
    nock(BASE).post('/api/v2/service-account/authenticate').times(2).reply(503, 'busy');
    expect((await caught(c.getIntegration())).code).toBe('UPSTREAM_SERVER_ERROR');
    authOk();
    nock(BASE).get(API).reply(200, integration);
    await expect(c.getIntegration()).resolves.toEqual(integration);
  });

  it('an authentication answer without a token is UPSTREAM_BAD_RESPONSE', async () => {
    nock(BASE).post('/api/v2/service-account/authenticate').reply(200, { apiId: 'x' });
    const err = await caught(client().getIntegration());
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.message).toContain('accessToken');
  });

  it('verifyCredentials resolves for a key pair CloudKnox accepts and rejects one it refuses', async () => {
    const creds = { serviceAccountId: SA, accessKey: 'AKCKNEWKEY0000000001', secretKey: 'ck-secret-new' };
    nock(BASE)
      .post(
        '/api/v2/service-account/authenticate',
        (b: Record<string, string>) => b.accessKey === creds.accessKey,
      )
      .reply(200, { accessToken: 't', apiId: 'a' });
    await expect(CloudKnoxClient.verifyCredentials(BASE, creds, 2000)).resolves.toBeUndefined();
    nock(BASE)
      .post('/api/v2/service-account/authenticate')
      .reply(401, { errorCode: 'INVALID_CREDENTIALS', message: 'Invalid service account credentials' });
    expect((await caught(CloudKnoxClient.verifyCredentials(BASE, creds, 2000))).code).toBe(
      'CLOUDKNOX_AUTH_REJECTED',
    );
  });

  it('setCredentials makes the next call authenticate with the new key', async () => {
    const c = client();
    authOk();
    nock(BASE).get(`${API}/keys`).reply(200, []);
    await c.listKeys();
    c.setCredentials({ accessKey: 'AKCKNEWKEY0000000001', secretKey: 'ck-secret-new' });
    nock(BASE)
      .post('/api/v2/service-account/authenticate', {
        serviceAccountId: SA,
        accessKey: 'AKCKNEWKEY0000000001',
        secretKey: 'ck-secret-new',
      })
      .reply(200, { accessToken: TOKEN2, apiId: 'api-2' });
    nock(BASE).get(`${API}/keys`).matchHeader('x-cloudknox-access-token', TOKEN2).reply(200, []);
    await c.listKeys();
    expect(c.accessKey).toBe('AKCKNEWKEY0000000001');
  });
});

describe('Integration-tab calls', () => {
  it('testIntegration returns a FAILURE as an answer, not an error, and sends only the given fields', async () => {
    const c = client();
    authOk();
    let sent: unknown;
    nock(BASE)
      .post(`${API}/test`)
      .reply((_u, body) => {
        sent = body;
        return [
          200,
          {
            status: 'FAILURE',
            errorCode: 'SERVICENOW_AUTH_FAILED',
            message: 'ServiceNow rejected the credentials for user cloudknox.endpoint',
          },
        ];
      });
    await expect(c.testIntegration({ username: 'cloudknox.endpoint' })).resolves.toEqual({
      status: 'FAILURE',
      errorCode: 'SERVICENOW_AUTH_FAILED',
      message: 'ServiceNow rejected the credentials for user cloudknox.endpoint',
    });
    expect(sent).toEqual({ username: 'cloudknox.endpoint' });
  });

  it('drops unknown extra fields and a password CloudKnox should not have sent', async () => {
    authOk();
    nock(BASE)
      .get(API)
      .reply(200, { ...integration, password: 'leaked!', region: 'us' });
    const got = await client().getIntegration();
    expect(got).toEqual(integration);
  });

  it('maps OTP, key and revoke answers', async () => {
    const c = client();
    authOk();
    const challenge = {
      otpRequestId: 'otp-1',
      sentTo: 's•••@contoso.com',
      expiresAt: '2030-01-01T00:05:00Z',
      resendAfter: '2030-01-01T00:00:30Z',
    };
    nock(BASE).post(`${API}/keys/otp`).reply(200, challenge);
    nock(BASE).post(`${API}/keys/otp/otp%2F1/resend`).reply(200, challenge);
    nock(BASE).post(`${API}/keys`, { otpRequestId: 'otp-1', otp: '123456' }).reply(201, {
      serviceAccountId: SA,
      accessKey: 'AKCKNEWKEY0000000001',
      secretKey: 'ck-secret-new',
      createdOn: '2030-01-01T00:01:00Z',
    });
    nock(BASE).delete(`${API}/keys/${ACCESS_KEY}`).reply(204);
    nock(BASE)
      .get(`${API}/keys`)
      .reply(200, [
        { accessKey: ACCESS_KEY, createdOn: '2021-12-09T10:00:00Z', lastUsedOn: null, status: 'REVOKED' },
      ]);

    await expect(c.requestKeyOtp()).resolves.toEqual(challenge);
    await expect(c.resendKeyOtp('otp/1')).resolves.toEqual(challenge);
    await expect(c.createKey({ otpRequestId: 'otp-1', otp: '123456' })).resolves.toMatchObject({
      secretKey: 'ck-secret-new',
    });
    await expect(c.revokeKey(ACCESS_KEY)).resolves.toBeUndefined();
    await expect(c.listKeys()).resolves.toEqual([
      { accessKey: ACCESS_KEY, createdOn: '2021-12-09T10:00:00Z', lastUsedOn: null, status: 'REVOKED' },
    ]);
  });
});

describe('errors', () => {
  it('OTP_INVALID is CLOUDKNOX_REQUEST_REJECTED with the attempts left', async () => {
    authOk();
    nock(BASE).post(`${API}/keys`).reply(400, {
      errorCode: 'OTP_INVALID',
      message: 'The code is not valid; 3 attempts left',
      attemptsLeft: 3,
    });
    const err = await caught(client().createKey({ otpRequestId: 'o', otp: '000000' }));
    expect(err).toBeInstanceOf(CloudKnoxError);
    expect(err.code).toBe('CLOUDKNOX_REQUEST_REJECTED');
    expect(err.upstreamCode).toBe('OTP_INVALID');
    expect(otpAttemptsLeft(err)).toBe(3);
    expect(err.message).toBe('The code is not valid; 3 attempts left');
  });

  it('OTP_EXPIRED (410) and OTP_ATTEMPTS_EXCEEDED (429) are final rejections, not "slow down"', async () => {
    authOk();
    const c = client();
    nock(BASE).post(`${API}/keys`).reply(410, { errorCode: 'OTP_EXPIRED', message: 'The code has expired' });
    nock(BASE)
      .post(`${API}/keys`)
      .reply(429, { errorCode: 'OTP_ATTEMPTS_EXCEEDED', message: 'Too many wrong codes', attemptsLeft: 0 });
    const expired = await caught(c.createKey({ otpRequestId: 'o', otp: '1' }));
    expect([expired.code, expired.status, expired.upstreamCode]).toEqual([
      'CLOUDKNOX_REQUEST_REJECTED',
      410,
      'OTP_EXPIRED',
    ]);
    const exceeded = await caught(c.createKey({ otpRequestId: 'o', otp: '1' }));
    expect([exceeded.code, exceeded.status, exceeded.upstreamCode]).toEqual([
      'CLOUDKNOX_REQUEST_REJECTED',
      429,
      'OTP_ATTEMPTS_EXCEEDED',
    ]);
    expect(otpAttemptsLeft(exceeded)).toBe(0);
  });

  it('OTP_RESEND_TOO_SOON is UPSTREAM_RATE_LIMITED with the wait from the body or Retry-After', async () => {
    authOk();
    const c = client();
    nock(BASE)
      .post(`${API}/keys/otp/o/resend`)
      .reply(429, { errorCode: 'OTP_RESEND_TOO_SOON', message: 'wait', retryAfter: 27 });
    nock(BASE)
      .post(`${API}/keys/otp/o/resend`)
      .reply(429, { errorCode: 'OTP_RESEND_TOO_SOON', message: 'wait' }, { 'Retry-After': '12' });
    const first = await caught(c.resendKeyOtp('o'));
    expect([first.code, first.upstreamCode, first.retryAfterSeconds]).toEqual([
      'UPSTREAM_RATE_LIMITED',
      'OTP_RESEND_TOO_SOON',
      27,
    ]);
    expect((await caught(c.resendKeyOtp('o'))).retryAfterSeconds).toBe(12);
  });

  it('404 is CLOUDKNOX_NOT_FOUND and other 4xx CLOUDKNOX_REQUEST_REJECTED, both with errorCode', async () => {
    authOk();
    const c = client();
    nock(BASE)
      .get(API)
      .reply(404, { errorCode: 'INTEGRATION_NOT_FOUND', message: 'No ServiceNow integration is configured' });
    nock(BASE)
      .post(`${API}/keys/otp`)
      .reply(409, { errorCode: 'KEY_LIMIT_EXCEEDED', message: 'At most 2 keys' });
    nock(BASE).post(`${API}/save`).reply(403, { errorCode: 'FORBIDDEN', message: 'Not allowed' });
    const nf = await caught(c.getIntegration());
    expect([nf.code, nf.upstreamCode, nf.message]).toEqual([
      'CLOUDKNOX_NOT_FOUND',
      'INTEGRATION_NOT_FOUND',
      'No ServiceNow integration is configured',
    ]);
    const limit = await caught(c.requestKeyOtp());
    expect([limit.code, limit.upstreamCode]).toEqual(['CLOUDKNOX_REQUEST_REJECTED', 'KEY_LIMIT_EXCEEDED']);
    const forbidden = await caught(c.saveIntegration());
    expect([forbidden.code, forbidden.status]).toEqual(['CLOUDKNOX_REQUEST_REJECTED', 403]);
  });

  it('a 4xx without a JSON body still maps by status', async () => {
    authOk();
    nock(BASE).get(`${API}/keys`).reply(400, '<html>Bad Request</html>');
    const err = await caught(client().listKeys());
    expect([err.code, err.upstreamCode]).toEqual(['CLOUDKNOX_REQUEST_REJECTED', undefined]);
    expect(err.message).toContain('HTTP 400');
  });

  it('a plain 429 is UPSTREAM_RATE_LIMITED with Retry-After', async () => {
    authOk();
    nock(BASE).get(`${API}/keys`).reply(429, 'slow down', { 'Retry-After': '5' });
    const err = await caught(client().listKeys());
    expect([err.code, err.retryAfterSeconds]).toEqual(['UPSTREAM_RATE_LIMITED', 5]);
  });

  it.each([500, 502, 503])(
    '%i is UPSTREAM_SERVER_ERROR and a write is sent once, not retried',
    async (status) => {
      authOk();
      let sent = 0;
      nock(BASE)
        .post(`${API}/keys`)
        .reply(() => {
          sent += 1;
          return [status, '<html>Service Unavailable</html>'];
        });
      const err = await caught(client().createKey({ otpRequestId: 'o', otp: '123456' }));
      expect([err.code, err.status]).toEqual(['UPSTREAM_SERVER_ERROR', status]);
      expect(sent).toBe(1);
    },
  );

  it('revoke is sent once when CloudKnox fails', async () => {
    authOk();
    let sent = 0;
    nock(BASE)
      .delete(`${API}/keys/${ACCESS_KEY}`)
      .reply(() => {
        sent += 1;
        return [500, { errorCode: 'INTERNAL', message: 'boom' }];
      });
    expect((await caught(client().revokeKey(ACCESS_KEY))).code).toBe('UPSTREAM_SERVER_ERROR');
    expect(sent).toBe(1);
  });

  it('malformed JSON, an HTML page and a wrong shape are UPSTREAM_BAD_RESPONSE', async () => {
    authOk();
    const c = client();
    nock(BASE).get(API).reply(200, '{"endpoint": "https://dev', { 'content-type': 'application/json' });
    nock(BASE).get(API).reply(200, '<!DOCTYPE html><title>Sign in</title>', { 'content-type': 'text/html' });
    nock(BASE)
      .get(API)
      .reply(200, { ...integration, passwordSet: 'yes', accessKey: undefined });
    nock(BASE).get(`${API}/keys`).reply(200, { keys: [] });
    for (let i = 0; i < 2; i++) {
      const err = await caught(c.getIntegration());
      expect([err.code, err.status]).toEqual(['UPSTREAM_BAD_RESPONSE', 200]);
      expect(err.message).toContain('not JSON');
    }
    const shape = await caught(c.getIntegration());
    expect(shape.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(shape.message).toContain('passwordSet');
    expect(shape.message).toContain('accessKey');
    expect((await caught(c.listKeys())).code).toBe('UPSTREAM_BAD_RESPONSE');
  });

  it('a test answer with an unknown status is UPSTREAM_BAD_RESPONSE, not a success', async () => {
    authOk();
    nock(BASE).post(`${API}/test`).reply(200, { status: 'PENDING', message: 'later' });
    expect((await caught(client().testIntegration())).code).toBe('UPSTREAM_BAD_RESPONSE');
  });

  it('a redirect is not followed (it would carry the token elsewhere)', async () => {
    authOk();
    nock(BASE).get(API).reply(302, '', { Location: 'http://evil.test/steal' });
    const err = await caught(client().getIntegration());
    expect([err.code, err.status]).toEqual(['UPSTREAM_BAD_RESPONSE', 302]);
  });

  it('a slow CloudKnox times out after timeoutMs with UPSTREAM_TIMEOUT', async () => {
    authOk();
    nock(BASE).get(API).delay(2000).reply(200, integration);
    const started = Date.now();
    const err = await caught(client(200).getIntegration());
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('a connection reset is UPSTREAM_UNREACHABLE', async () => {
    authOk();
    // An Error object, not a plain one: nock 14 turns a plain object into a hang (nock/nock#2789).
    nock(BASE)
      .post(`${API}/save`)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const err = await caught(client().saveIntegration());
    expect(err.code).toBe('UPSTREAM_UNREACHABLE');
    expect(err.message).toContain('ECONNRESET');
  });

  it('rejects a base URL that is not http(s)', () => {
    expect(
      () =>
        new CloudKnoxClient({
          baseUrl: 'ftp://x',
          serviceAccountId: SA,
          accessKey: ACCESS_KEY,
          secretKey: SECRET,
        }),
    ).toThrow(TypeError);
  });
});

describe('no secret in errors', () => {
  it('never puts the secret key, token, OTP or password in an error, even when CloudKnox echoes them', async () => {
    const otp = '493817';
    const password = 'Sn-Int%CANARY-PASSWORD';
    // CloudKnox echoes what it was sent: the client's credentials, its token, and the call's own secret.
    const echo = (callSecret = '') => ({
      errorCode: 'ECHO',
      message: `bad request: secret=${SECRET} token=${TOKEN} key=${ACCESS_KEY} value=${callSecret}`,
    });
    // Before it has a token, the client can only know (and scrub) its own credentials.
    const echoCredentials = { errorCode: 'ECHO', message: `bad: secret=${SECRET} key=${ACCESS_KEY}` };
    const c = client(300);
    const errors: unknown[] = [];
    const grab = async (p: Promise<unknown>) => errors.push(await caught(p));

    // Authentication itself refused, echoing the credentials.
    nock(BASE).post('/api/v2/service-account/authenticate').reply(401, echoCredentials);
    await grab(c.getIntegration());

    authOk();
    nock(BASE)
      .post(`${API}/keys`)
      .reply(400, { ...echo(otp), attemptsLeft: 2 });
    await grab(c.createKey({ otpRequestId: 'o', otp }));
    nock(BASE).post(`${API}/test`).reply(422, echo(password));
    await grab(c.testIntegration({ password }));
    nock(BASE).delete(`${API}/keys/${ACCESS_KEY}`).reply(404, echo());
    await grab(c.revokeKey(ACCESS_KEY));
    nock(BASE).get(API).times(3).reply(500, echo()); // a read is asked 3 times
    await grab(c.getIntegration());
    nock(BASE).get(API).reply(200, { accessKey: SECRET, endpoint: TOKEN });
    await grab(c.getIntegration());
    nock(BASE).get(API).reply(200, `not json ${SECRET} ${TOKEN}`);
    await grab(c.getIntegration());
    nock(BASE).get(API).delay(1000).reply(200, integration);
    await grab(c.getIntegration());
    nock(BASE)
      .get(API)
      .times(3)
      .replyWithError(Object.assign(new Error(`reset ${SECRET}`), { code: 'ECONNRESET' }));
    await grab(c.getIntegration());
    // Two 401s in a row.
    nock(BASE).get(API).reply(401, echo());
    nock(BASE).post('/api/v2/service-account/authenticate').reply(200, { accessToken: TOKEN2, apiId: 'a2' });
    nock(BASE)
      .get(API)
      .reply(401, { errorCode: 'UNAUTHORIZED', message: `token ${TOKEN2} invalid` });
    await grab(c.getIntegration());

    expect(errors).toHaveLength(10);
    for (const err of errors) {
      const renderings = [
        String(err),
        (err as Error).message,
        JSON.stringify(err),
        inspect(err, { depth: 5 }),
      ];
      for (const text of renderings) {
        for (const secret of [SECRET, TOKEN, TOKEN2, otp, password, ACCESS_KEY])
          expect(text).not.toContain(secret);
      }
    }
    // The access key may appear, masked; the revoke error says which key it was about.
    expect((errors[3] as CloudKnoxError).message).toContain('••••9Q7Z');
    expect((errors[3] as CloudKnoxError).operation).toBe('revoke key ••••9Q7Z');
  });

  it('the client itself shows no credentials when logged or serialised', async () => {
    const c = client();
    authOk();
    nock(BASE).get(`${API}/keys`).reply(200, []);
    await c.listKeys();
    for (const text of [JSON.stringify(c), inspect(c, { depth: 5, showHidden: true }), String(c)]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(TOKEN);
    }
  });
});
