import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  startCloudKnoxSim,
  type CloudKnoxSim,
  type CloudKnoxSimOptions,
} from '../../src/sim/cloudknox/index.js';
import { defaultSeed } from '../../src/sim/seed.js';
import { ROLE, startServiceNowSim, type ServiceNowSim } from '../../src/sim/servicenow/index.js';

/**
 * The CloudKnox simulator over real HTTP, with the real ServiceNow simulator behind `/test`. `CK` is
 * the integration's service account and key; `BOT` is the bot's own service account and key.
 */
const seed = defaultSeed();
const CK = seed.cloudknox;
const BOT = seed.cloudknox.bot;
const SN = seed.servicenow;
const API = '/api/v2/integrations/servicenow';

let sn: ServiceNowSim;
let ck: CloudKnoxSim;
let clock: number;

async function start(opts: Partial<CloudKnoxSimOptions> = {}): Promise<void> {
  await ck?.close();
  ck = await startCloudKnoxSim({ servicenowUrl: sn.url, now: () => clock, ...opts });
}

beforeEach(async () => {
  clock = Date.parse('2030-06-01T12:00:00Z');
  sn = await startServiceNowSim({ seed });
  await start();
});
afterEach(async () => {
  await ck.close();
  await sn.close();
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { errorCode?: string; message?: string };
  text: string;
}

async function http(
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string>; session?: Session } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.session) {
    headers['X-CloudKnox-Access-Token'] = opts.session.accessToken;
    headers['X-CloudKnox-API-Id'] = opts.session.apiId;
    headers['X-CloudKnox-Service-Account-Id'] = opts.session.serviceAccountId ?? CK.serviceAccountId;
    headers['X-CloudKnox-Timestamp-Millis'] = String(Date.now());
  }
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(ck.url + path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: Answer['body'] = {};
  try {
    body = text ? (JSON.parse(text) as Answer['body']) : {};
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body, text };
}

interface Session {
  accessToken: string;
  apiId: string;
  /** Sent as X-CloudKnox-Service-Account-Id (default: the integration's account). */
  serviceAccountId?: string;
}

function authenticate(
  creds: { serviceAccountId?: string; accessKey?: string; secretKey?: string } = {},
): Promise<Answer> {
  const body = {
    serviceAccountId: CK.serviceAccountId,
    accessKey: CK.accessKey,
    secretKey: CK.secretKey,
    ...creds,
  };
  return http('POST', '/api/v2/service-account/authenticate', {
    body,
    headers: {
      'X-CloudKnox-Service-Account-Id': body.serviceAccountId,
      'X-CloudKnox-Timestamp-Millis': String(Date.now()),
    },
  });
}

async function login(
  creds: { serviceAccountId?: string; accessKey?: string; secretKey?: string } = {},
): Promise<Session> {
  const res = await authenticate(creds);
  expect(res.status).toBe(200);
  const { accessToken, apiId } = res.body as unknown as Session;
  return { accessToken, apiId, serviceAccountId: creds.serviceAccountId ?? CK.serviceAccountId };
}

/** A session of the bot's own service account. */
const loginAsBot = (): Promise<Session> => login(BOT);

describe('authenticate', () => {
  it('gives a token for the seeded ACTIVE key and its secret, and records when the key was used', async () => {
    const res = await authenticate();
    expect(res.status).toBe(200);
    expect(res.body.accessToken).toEqual(expect.any(String));
    expect(res.body.apiId).toEqual(expect.any(String));
    expect(ck.keys()[0]?.lastUsedOn).toBe('2030-06-01T12:00:00.000Z');
    expect(ck.botKeys()[0]?.lastUsedOn).toBeNull();
  });

  it('gives a token to the bot’s own service account with its own key, and records that key’s use only', async () => {
    clock += 60_000;
    const res = await authenticate(BOT);
    expect(res.status).toBe(200);
    expect(ck.botServiceAccountId).toBe(BOT.serviceAccountId);
    expect(ck.botKeys()).toEqual([
      {
        accessKey: BOT.accessKey,
        createdOn: '2030-04-02T12:00:00.000Z',
        lastUsedOn: '2030-06-01T12:01:00.000Z',
        status: 'ACTIVE',
      },
    ]);
    expect(ck.keys()[0]?.lastUsedOn).toBeNull();
    expect(ck.serviceAccount(BOT.serviceAccountId)).toEqual({
      serviceAccountId: BOT.serviceAccountId,
      keys: ck.botKeys(),
    });
    expect(ck.serviceAccount(CK.serviceAccountId)?.keys).toEqual(ck.keys());
    expect(ck.serviceAccount('00000000-0000-0000-0000-000000000000')).toBeUndefined();
  });

  it.each([
    ['a wrong secret', { secretKey: 'ck-secret-wrong' }],
    ['an unknown access key', { accessKey: 'AKCKNOSUCHKEY0000000' }],
    ['another service account', { serviceAccountId: '00000000-0000-0000-0000-000000000000' }],
    ['the bot’s key under the integration’s account', { accessKey: BOT.accessKey, secretKey: BOT.secretKey }],
    ['the integration’s key under the bot’s account', { serviceAccountId: BOT.serviceAccountId }],
    ['the bot’s account and key with the integration’s secret', { ...BOT, secretKey: CK.secretKey }],
  ])('refuses %s with 401 INVALID_CREDENTIALS', async (_label, creds) => {
    const res = await authenticate(creds);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      errorCode: 'INVALID_CREDENTIALS',
      message: 'Invalid service account credentials',
    });
  });

  it('requires the service account and timestamp headers', async () => {
    const body = { serviceAccountId: CK.serviceAccountId, accessKey: CK.accessKey, secretKey: CK.secretKey };
    const noHeaders = await http('POST', '/api/v2/service-account/authenticate', { body });
    expect([noHeaders.status, noHeaders.body.errorCode]).toEqual([400, 'INVALID_REQUEST']);
    const noTime = await http('POST', '/api/v2/service-account/authenticate', {
      body,
      headers: { 'X-CloudKnox-Service-Account-Id': CK.serviceAccountId },
    });
    expect([noTime.status, noTime.body.errorCode]).toEqual([400, 'INVALID_TIMESTAMP']);
  });
});

describe('tokens', () => {
  it('a call without a token, or with a made-up one, is 401 UNAUTHORIZED', async () => {
    expect((await http('GET', API)).body.errorCode).toBe('UNAUTHORIZED');
    const fake = await http('GET', API, { session: { accessToken: 'made-up', apiId: 'x' } });
    expect([fake.status, fake.body.errorCode]).toEqual([401, 'UNAUTHORIZED']);
  });

  it('a token must be sent with its own API id', async () => {
    const s = await login();
    const res = await http('GET', API, { session: { ...s, apiId: 'api-other' } });
    expect([res.status, res.body.errorCode]).toEqual([401, 'UNAUTHORIZED']);
  });

  it('a token must be sent with the service account it was issued to', async () => {
    const bot = await loginAsBot();
    const asIntegration = await http('GET', API, {
      session: { ...bot, serviceAccountId: CK.serviceAccountId },
    });
    expect([asIntegration.status, asIntegration.body.errorCode]).toEqual([401, 'UNAUTHORIZED']);
    const integration = await login();
    const asBot = await http('GET', API, {
      session: { ...integration, serviceAccountId: BOT.serviceAccountId },
    });
    expect([asBot.status, asBot.body.errorCode]).toEqual([401, 'UNAUTHORIZED']);
    expect((await http('GET', API, { session: bot })).status).toBe(200);
  });

  it('expireTokens makes the next call 401 TOKEN_EXPIRED; a new login works again', async () => {
    const s = await login();
    expect((await http('GET', API, { session: s })).status).toBe(200);
    ck.expireTokens();
    const res = await http('GET', API, { session: s });
    expect([res.status, res.body.errorCode]).toEqual([401, 'TOKEN_EXPIRED']);
    expect((await http('GET', API, { session: await login() })).status).toBe(200);
  });

  it('a token expires after tokenTtlMs on the simulator clock', async () => {
    await start({ tokenTtlMs: 60_000 });
    const s = await login();
    clock += 59_000;
    expect((await http('GET', API, { session: s })).status).toBe(200);
    clock += 2_000;
    expect((await http('GET', API, { session: s })).body.errorCode).toBe('TOKEN_EXPIRED');
  });
});

describe('integration', () => {
  it('GET shows the seeded integration and never the password', async () => {
    const res = await http('GET', API, { session: await login() });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      endpoint: sn.url,
      username: SN.integrationUsername,
      passwordSet: true,
      apiEndpoint: ck.url,
      createdBy: CK.createdBy,
      createdOn: '2030-02-01T12:00:00.000Z',
      serviceAccountId: CK.serviceAccountId,
      accessKey: CK.accessKey,
      savedOn: null,
    });
    expect(res.text).not.toContain(SN.integrationPassword);
    expect(res.text).not.toContain(CK.secretKey);
  });

  it('GET is 404 INTEGRATION_NOT_FOUND when none is configured', async () => {
    ck.removeIntegration();
    const res = await http('GET', API, { session: await login() });
    expect([res.status, res.body.errorCode]).toEqual([404, 'INTEGRATION_NOT_FOUND']);
  });

  it('test logs in to ServiceNow with the stored user and password (UTF-8 Basic) and reads sys_user', async () => {
    const password = 'Pässwörd:with€colon';
    sn.setUser(SN.integrationUsername, { password });
    ck.setIntegration({ password });
    const res = await http('POST', `${API}/test`, { session: await login() });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'SUCCESS', message: 'Connection successful, please Save' });
    const call = sn.requests.at(-1);
    expect(call).toMatchObject({
      method: 'GET',
      path: '/api/now/table/sys_user',
      user: SN.integrationUsername,
      status: 200,
    });
    const query = new URLSearchParams(call?.query);
    expect(query.get('sysparm_query')).toBe(`user_name=${SN.integrationUsername}`);
    expect(query.get('sysparm_limit')).toBe('1');
  });

  it('test with a wrong stored password is a FAILURE naming the user, and counts as a failed login', async () => {
    ck.setIntegration({ password: 'wrong-password' });
    const res = await http('POST', `${API}/test`, { session: await login() });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'FAILURE',
      errorCode: 'SERVICENOW_AUTH_FAILED',
      message: `ServiceNow rejected the credentials for user ${SN.integrationUsername}`,
    });
    expect(sn.failedLogins(SN.integrationUsername)).toBe(1);
  });

  it('test with a locked-out user is a FAILURE', async () => {
    sn.setUser(SN.integrationUsername, { lockedOut: true });
    const res = await http('POST', `${API}/test`, { session: await login() });
    expect(res.body).toMatchObject({ status: 'FAILURE', errorCode: 'SERVICENOW_AUTH_FAILED' });
  });

  it('test uses endpoint, username and password from the request when given', async () => {
    sn.setUser('other.integration', {
      password: 'Other#Pw1',
      roles: [ROLE.internal, ROLE.cloudknoxIntegration],
    });
    const res = await http('POST', `${API}/test`, {
      session: await login(),
      body: { endpoint: `${sn.url}/`, username: 'other.integration', password: 'Other#Pw1' },
    });
    expect(res.body.status).toBe('SUCCESS');
    expect(sn.requests.at(-1)?.user).toBe('other.integration');
    // The stored integration is untouched by a test.
    expect(ck.integration()?.username).toBe(SN.integrationUsername);
  });

  it('test against a user without Table API access (403) is a FAILURE', async () => {
    sn.setUser(SN.integrationUsername, { roles: [] });
    const res = await http('POST', `${API}/test`, { session: await login() });
    expect(res.body).toMatchObject({ status: 'FAILURE', errorCode: 'SERVICENOW_FORBIDDEN' });
    expect(res.body.message).toContain(SN.integrationUsername);
  });

  it('test against a hibernating instance (HTML page) is a FAILURE, not a success', async () => {
    sn.hibernating = true;
    const res = await http('POST', `${API}/test`, { session: await login() });
    expect(res.body).toMatchObject({ status: 'FAILURE', errorCode: 'SERVICENOW_UNAVAILABLE' });
    expect(res.body.message).toMatch(/hibernating/);
  });

  it('test against an unreachable instance is a FAILURE', async () => {
    await sn.close();
    const res = await http('POST', `${API}/test`, { session: await login() });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'FAILURE', errorCode: 'SERVICENOW_UNREACHABLE' });
    sn = await startServiceNowSim({ seed }); // for afterEach
  });

  it('test against an instance that never answers is a FAILURE after the ServiceNow timeout', async () => {
    await start({ servicenowTimeoutMs: 300 });
    sn.faults.hang = {};
    const started = Date.now();
    const res = await http('POST', `${API}/test`, { session: await login() });
    expect(res.body).toMatchObject({ status: 'FAILURE', errorCode: 'SERVICENOW_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('test against an instance answering 500 is a FAILURE', async () => {
    sn.faults.status = { code: 500 };
    const res = await http('POST', `${API}/test`, { session: await login() });
    expect(res.body).toMatchObject({ status: 'FAILURE', errorCode: 'SERVICENOW_ERROR' });
  });

  it('test refuses a body with a non-URL endpoint', async () => {
    const res = await http('POST', `${API}/test`, {
      session: await login(),
      body: { endpoint: 'not a url' },
    });
    expect([res.status, res.body.errorCode]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('save returns the integration with savedOn, and applies given fields', async () => {
    const s = await login();
    const saved = await http('POST', `${API}/save`, { session: s });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      endpoint: sn.url,
      passwordSet: true,
      savedOn: '2030-06-01T12:00:00.000Z',
    });
    const changed = await http('POST', `${API}/save`, {
      session: s,
      body: { endpoint: 'https://dev99999.service-now.com', password: 'New#Pw' },
    });
    expect(changed.body.endpoint).toBe('https://dev99999.service-now.com');
    expect(changed.text).not.toContain('New#Pw');
    expect(ck.integrationPassword()).toBe('New#Pw');
  });
});

describe('keys and OTP', () => {
  async function requestOtp(s: Session): Promise<{ otpRequestId: string; code: string }> {
    const res = await http('POST', `${API}/keys/otp`, { session: s });
    expect(res.status).toBe(200);
    return { otpRequestId: res.body.otpRequestId as string, code: ck.lastOtp() as string };
  }

  it('lists the seeded key without its secret', async () => {
    const res = await http('GET', `${API}/keys`, { session: await login() });
    expect(res.body).toEqual([
      {
        accessKey: CK.accessKey,
        createdOn: '2030-03-03T12:00:00.000Z',
        lastUsedOn: '2030-06-01T12:00:00.000Z',
        status: 'ACTIVE',
      },
    ]);
    expect(res.text).not.toContain(CK.secretKey);
  });

  it('requesting a code emails a 6-digit code to the address on file and answers it masked', async () => {
    const res = await http('POST', `${API}/keys/otp`, { session: await login() });
    expect(res.body).toEqual({
      otpRequestId: expect.any(String),
      sentTo: 's•••@contoso.com',
      expiresAt: '2030-06-01T12:05:00.000Z',
      resendAfter: '2030-06-01T12:00:30.000Z',
    });
    expect(ck.outbox).toHaveLength(1);
    const mail = ck.outbox[0];
    expect(mail?.to).toBe(CK.email);
    expect(mail?.subject).toContain('Validate OTP To Generate New Keys');
    expect(mail?.otp).toMatch(/^\d{6}$/);
    expect(mail?.text).toContain(mail?.otp);
    expect(res.text).not.toContain(mail?.otp);
  });

  it('resend too soon is 429 OTP_RESEND_TOO_SOON with the wait; later it sends a new code and the old one stops working', async () => {
    const s = await login();
    const { otpRequestId, code: first } = await requestOtp(s);
    clock += 10_000;
    const early = await http('POST', `${API}/keys/otp/${otpRequestId}/resend`, { session: s });
    expect([early.status, early.body.errorCode, early.body.retryAfter]).toEqual([
      429,
      'OTP_RESEND_TOO_SOON',
      20,
    ]);
    expect(early.headers.get('retry-after')).toBe('20');
    expect(ck.outbox).toHaveLength(1);

    clock += 20_000;
    const resent = await http('POST', `${API}/keys/otp/${otpRequestId}/resend`, { session: s });
    expect(resent.status).toBe(200);
    expect(resent.body.otpRequestId).toBe(otpRequestId);
    expect(ck.outbox).toHaveLength(2);
    const second = ck.lastOtp() as string;
    expect(second).not.toBe(first);
    const old = await http('POST', `${API}/keys`, { session: s, body: { otpRequestId, otp: first } });
    expect(old.body.errorCode).toBe('OTP_INVALID');
    const ok = await http('POST', `${API}/keys`, { session: s, body: { otpRequestId, otp: second } });
    expect(ok.status).toBe(201);
  });

  it('a wrong code is 400 OTP_INVALID with attempts left; the fifth is 429 OTP_ATTEMPTS_EXCEEDED and then even the right code fails', async () => {
    const s = await login();
    const { otpRequestId, code } = await requestOtp(s);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let left = 4; left >= 1; left--) {
      const res = await http('POST', `${API}/keys`, { session: s, body: { otpRequestId, otp: wrong } });
      expect([res.status, res.body.errorCode, res.body.attemptsLeft]).toEqual([400, 'OTP_INVALID', left]);
    }
    const fifth = await http('POST', `${API}/keys`, { session: s, body: { otpRequestId, otp: wrong } });
    expect([fifth.status, fifth.body.errorCode]).toEqual([429, 'OTP_ATTEMPTS_EXCEEDED']);
    const right = await http('POST', `${API}/keys`, { session: s, body: { otpRequestId, otp: code } });
    expect([right.status, right.body.errorCode]).toEqual([429, 'OTP_ATTEMPTS_EXCEEDED']);
    expect(ck.keys()).toHaveLength(1);
  });

  it('an expired code is 410 OTP_EXPIRED', async () => {
    const s = await login();
    const { otpRequestId, code } = await requestOtp(s);
    clock += 5 * 60_000;
    const res = await http('POST', `${API}/keys`, { session: s, body: { otpRequestId, otp: code } });
    expect([res.status, res.body.errorCode]).toEqual([410, 'OTP_EXPIRED']);
  });

  it('the right code creates a second ACTIVE key, shows its secret once, and the old key keeps working', async () => {
    const s = await login();
    const { otpRequestId, code } = await requestOtp(s);
    const res = await http('POST', `${API}/keys`, { session: s, body: { otpRequestId, otp: code } });
    expect(res.status).toBe(201);
    const created = res.body as {
      serviceAccountId: string;
      accessKey: string;
      secretKey: string;
      createdOn: string;
    };
    expect(created).toEqual({
      serviceAccountId: CK.serviceAccountId,
      accessKey: expect.stringMatching(/^AKCK[A-Z0-9]{16}$/),
      secretKey: expect.any(String),
      createdOn: '2030-06-01T12:00:00.000Z',
    });
    expect(ck.secretKeyOf(created.accessKey)).toBe(created.secretKey);
    expect(ck.keys().map((k) => k.status)).toEqual(['ACTIVE', 'ACTIVE']);
    expect(ck.activeKey()?.accessKey).toBe(created.accessKey);
    // The Integration tab now shows the new key.
    expect((await http('GET', API, { session: s })).body.accessKey).toBe(created.accessKey);
    // Both key pairs authenticate.
    await login({ accessKey: created.accessKey, secretKey: created.secretKey });
    await login();
    // The list never shows a secret.
    expect((await http('GET', `${API}/keys`, { session: s })).text).not.toContain(created.secretKey);
    // A code works once.
    const again = await http('POST', `${API}/keys`, { session: s, body: { otpRequestId, otp: code } });
    expect([again.status, again.body.errorCode]).toEqual([409, 'OTP_ALREADY_USED']);
  });

  it('a service account holds at most 2 active keys', async () => {
    const s = await login();
    const { otpRequestId, code } = await requestOtp(s);
    expect(
      (await http('POST', `${API}/keys`, { session: s, body: { otpRequestId, otp: code } })).status,
    ).toBe(201);
    const third = await http('POST', `${API}/keys/otp`, { session: s });
    expect([third.status, third.body.errorCode]).toEqual([409, 'KEY_LIMIT_EXCEEDED']);
    expect(ck.outbox).toHaveLength(1);
  });

  it('revoking a key stops it authenticating and kills its tokens; the last active key cannot be revoked', async () => {
    const oldSession = await login();
    const { otpRequestId, code } = await requestOtp(oldSession);
    const created = (
      await http('POST', `${API}/keys`, { session: oldSession, body: { otpRequestId, otp: code } })
    ).body;
    const newSession = await login({
      accessKey: created.accessKey as string,
      secretKey: created.secretKey as string,
    });

    const revoked = await http('DELETE', `${API}/keys/${CK.accessKey}`, { session: newSession });
    expect(revoked.status).toBe(204);
    expect(ck.keys().find((k) => k.accessKey === CK.accessKey)?.status).toBe('REVOKED');
    expect((await authenticate()).body.errorCode).toBe('INVALID_CREDENTIALS');
    expect((await http('GET', API, { session: oldSession })).status).toBe(401);
    expect((await http('GET', API, { session: newSession })).body.accessKey).toBe(created.accessKey);

    const last = await http('DELETE', `${API}/keys/${created.accessKey as string}`, { session: newSession });
    expect([last.status, last.body.errorCode]).toEqual([409, 'LAST_ACTIVE_KEY']);
    const unknown = await http('DELETE', `${API}/keys/AKCKNOSUCHKEY0000000`, { session: newSession });
    expect([unknown.status, unknown.body.errorCode]).toEqual([404, 'KEY_NOT_FOUND']);
  });
});

describe('the bot’s own service account and the integration’s', () => {
  async function rotateWith(
    s: Session,
  ): Promise<{ accessKey: string; secretKey: string; serviceAccountId: string }> {
    const otp = await http('POST', `${API}/keys/otp`, { session: s });
    expect(otp.status).toBe(200);
    const created = await http('POST', `${API}/keys`, {
      session: s,
      body: { otpRequestId: otp.body.otpRequestId, otp: ck.lastOtp() },
    });
    expect(created.status).toBe(201);
    return created.body as unknown as { accessKey: string; secretKey: string; serviceAccountId: string };
  }

  it('the bot’s token reads, tests and saves the INTEGRATION (its account and key, not the bot’s)', async () => {
    const s = await loginAsBot();
    const read = await http('GET', API, { session: s });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      serviceAccountId: CK.serviceAccountId,
      accessKey: CK.accessKey,
      username: SN.integrationUsername,
    });
    expect(read.text).not.toContain(BOT.accessKey);
    expect(read.text).not.toContain(BOT.serviceAccountId);

    const tested = await http('POST', `${API}/test`, { session: s });
    expect(tested.body).toEqual({ status: 'SUCCESS', message: 'Connection successful, please Save' });
    expect(sn.requests.at(-1)?.user).toBe(SN.integrationUsername);

    const saved = await http('POST', `${API}/save`, { session: s });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      serviceAccountId: CK.serviceAccountId,
      accessKey: CK.accessKey,
      savedOn: '2030-06-01T12:00:00.000Z',
    });
    expect(ck.integration()?.savedOn).toBe('2030-06-01T12:00:00.000Z');
  });

  it('the bot’s token lists the integration’s keys only', async () => {
    const res = await http('GET', `${API}/keys`, { session: await loginAsBot() });
    expect(res.body).toEqual([
      { accessKey: CK.accessKey, createdOn: '2030-03-03T12:00:00.000Z', lastUsedOn: null, status: 'ACTIVE' },
    ]);
    expect(res.text).not.toContain(BOT.accessKey);
  });

  it('the bot rotates the integration’s key and keeps its own: it still authenticates after the old integration key is revoked', async () => {
    const bot = await loginAsBot();
    const created = await rotateWith(bot);
    expect(created.serviceAccountId).toBe(CK.serviceAccountId);
    expect(ck.outbox.at(-1)?.text).toContain(CK.serviceAccountId);
    expect(ck.keys().map((k) => [k.accessKey, k.status])).toEqual([
      [CK.accessKey, 'ACTIVE'],
      [created.accessKey, 'ACTIVE'],
    ]);
    expect(ck.secretKeyOf(created.accessKey)).toBe(created.secretKey);

    // The new key authenticates for the integration's account, and only for it.
    await login({ accessKey: created.accessKey, secretKey: created.secretKey });
    const crossed = await authenticate({
      ...BOT,
      accessKey: created.accessKey,
      secretKey: created.secretKey,
    });
    expect(crossed.body.errorCode).toBe('INVALID_CREDENTIALS');

    const revoked = await http('DELETE', `${API}/keys/${CK.accessKey}`, { session: bot });
    expect(revoked.status).toBe(204);
    expect(ck.keys().map((k) => [k.accessKey, k.status])).toEqual([
      [CK.accessKey, 'REVOKED'],
      [created.accessKey, 'ACTIVE'],
    ]);
    expect((await authenticate()).body.errorCode).toBe('INVALID_CREDENTIALS');

    // The bot's key was never touched: its session still works and it still authenticates.
    expect(ck.botKeys()).toEqual([expect.objectContaining({ accessKey: BOT.accessKey, status: 'ACTIVE' })]);
    expect((await http('GET', API, { session: bot })).body.accessKey).toBe(created.accessKey);
    const again = await loginAsBot();
    expect((await http('GET', `${API}/keys`, { session: again })).status).toBe(200);
  });

  it('the integration’s own token may also rotate its key', async () => {
    const s = await login();
    const created = await rotateWith(s);
    const fresh = await login({ accessKey: created.accessKey, secretKey: created.secretKey });
    expect((await http('DELETE', `${API}/keys/${CK.accessKey}`, { session: fresh })).status).toBe(204);
    expect((await http('GET', API, { session: fresh })).body.accessKey).toBe(created.accessKey);
    await loginAsBot();
  });

  it('the Integration API cannot revoke the bot’s key: it is not one of the integration’s keys', async () => {
    const bot = await loginAsBot();
    await rotateWith(bot); // two active integration keys, so "last active key" is not what refuses
    const res = await http('DELETE', `${API}/keys/${BOT.accessKey}`, { session: bot });
    expect([res.status, res.body.errorCode]).toEqual([404, 'KEY_NOT_FOUND']);
    expect(ck.botKeys()[0]?.status).toBe('ACTIVE');
    expect((await http('GET', `${API}/keys`, { session: bot })).status).toBe(200);
  });

  it('the key limit and the last-active-key rule count the integration’s keys, not the tenant’s', async () => {
    const bot = await loginAsBot();
    // The tenant holds two active keys (one per account), yet the integration may still add one.
    const only = await http('DELETE', `${API}/keys/${CK.accessKey}`, { session: bot });
    expect([only.status, only.body.errorCode]).toEqual([409, 'LAST_ACTIVE_KEY']);
    await rotateWith(bot);
    const third = await http('POST', `${API}/keys/otp`, { session: bot });
    expect([third.status, third.body.errorCode]).toEqual([409, 'KEY_LIMIT_EXCEEDED']);
    expect(ck.botKeys().filter((k) => k.status === 'ACTIVE')).toHaveLength(1);
  });

  it('a seed giving both one service account id yields one account holding both keys', async () => {
    const merged = defaultSeed();
    merged.cloudknox.bot.serviceAccountId = merged.cloudknox.serviceAccountId;
    await start({ seed: merged });
    await login();
    await login({ accessKey: BOT.accessKey, secretKey: BOT.secretKey });
    expect(ck.botServiceAccountId).toBe(CK.serviceAccountId);
    expect(ck.keys().map((k) => k.accessKey)).toEqual([CK.accessKey, BOT.accessKey]);
  });
});

describe('test switches', () => {
  it('failNext makes the named endpoint fail once, without changing state', async () => {
    const s = await login();
    const { otpRequestId, code } = await (async () => {
      const r = await http('POST', `${API}/keys/otp`, { session: s });
      return { otpRequestId: r.body.otpRequestId as string, code: ck.lastOtp() as string };
    })();
    ck.failNext('createKey', {
      status: 500,
      errorCode: 'INTERNAL_ERROR',
      message: 'Key service unavailable',
    });
    const failed = await http('POST', `${API}/keys`, { session: s, body: { otpRequestId, otp: code } });
    expect([failed.status, failed.body.errorCode]).toEqual([500, 'INTERNAL_ERROR']);
    expect(ck.keys()).toHaveLength(1);
    expect(
      (await http('POST', `${API}/keys`, { session: s, body: { otpRequestId, otp: code } })).status,
    ).toBe(201);
  });

  it('shared fault switches apply (e.g. a 503 on one path)', async () => {
    const s = await login();
    ck.faults.status = { code: 503, match: '/keys', times: 1 };
    expect((await http('GET', `${API}/keys`, { session: s })).status).toBe(503);
    expect((await http('GET', `${API}/keys`, { session: s })).status).toBe(200);
  });

  it('the request log names endpoints and statuses but holds no secret, token, OTP or full access key', async () => {
    const s = await login();
    await http('POST', `${API}/keys/otp`, { session: s });
    const otp = ck.lastOtp() as string;
    await http('GET', `${API}/keys`, { session: s });
    await http('POST', `${API}/test`, { session: s, body: { password: 'Typed#Password' } });
    await http('DELETE', `${API}/keys/${CK.accessKey}`, { session: s });
    await authenticate({ secretKey: 'ck-secret-wrong-guess' });
    const bot = await loginAsBot();
    await http('GET', API, { session: bot });

    expect(
      ck.requests.map((r) => `${r.endpoint} ${r.status}${r.errorCode ? ` ${r.errorCode}` : ''}`),
    ).toEqual([
      'authenticate 200',
      'requestOtp 200',
      'listKeys 200',
      'testIntegration 200 SERVICENOW_AUTH_FAILED',
      'revokeKey 409 LAST_ACTIVE_KEY',
      'authenticate 401 INVALID_CREDENTIALS',
      'authenticate 200',
      'getIntegration 200',
    ]);
    expect(ck.requests[4]?.path).toBe(`${API}/keys/••••BHCN`);
    const log = JSON.stringify(ck.requests);
    for (const secret of [
      CK.secretKey,
      CK.accessKey,
      BOT.secretKey,
      BOT.accessKey,
      s.accessToken,
      bot.accessToken,
      otp,
      'Typed#Password',
      'ck-secret-wrong-guess',
      SN.integrationPassword,
    ]) {
      expect(log).not.toContain(secret);
    }
  });
});
