import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CloudKnoxClient,
  otpAttemptsLeft,
  type CloudKnoxCredentials,
} from '../../src/clients/cloudknox/index.js';
import { UpstreamError } from '../../src/clients/upstream-error.js';
import { startCloudKnoxSim, type CloudKnoxSim } from '../../src/sim/cloudknox/index.js';
import { defaultSeed } from '../../src/sim/seed.js';
import { startServiceNowSim, type ServiceNowSim } from '../../src/sim/servicenow/index.js';

/**
 * The CloudKnox client against the CloudKnox simulator (and, behind `/test`, the ServiceNow one). As in
 * a deployment, the client runs on the bot's OWN service account (`botCreds`) and manages the
 * integration's account (`integrationCreds`), whose key is what rotation replaces.
 */
const seed = defaultSeed();
const botCreds: CloudKnoxCredentials = {
  serviceAccountId: seed.cloudknox.bot.serviceAccountId,
  accessKey: seed.cloudknox.bot.accessKey,
  secretKey: seed.cloudknox.bot.secretKey,
};
const integrationCreds: CloudKnoxCredentials = {
  serviceAccountId: seed.cloudknox.serviceAccountId,
  accessKey: seed.cloudknox.accessKey,
  secretKey: seed.cloudknox.secretKey,
};

let sn: ServiceNowSim;
let ck: CloudKnoxSim;

beforeEach(async () => {
  sn = await startServiceNowSim({ seed });
  ck = await startCloudKnoxSim({ servicenowUrl: sn.url, seed });
  sn.setConfigRecord({ api_endpoint: ck.url });
});
afterEach(async () => {
  await ck.close();
  await sn.close();
});

function client(timeoutMs = 5000, creds = botCreds): CloudKnoxClient {
  return new CloudKnoxClient({ baseUrl: ck.url, ...creds, timeoutMs });
}

const authentications = () => ck.requests.filter((r) => r.endpoint === 'authenticate').length;

async function caught(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UpstreamError);
    return e as UpstreamError;
  }
  throw new Error('expected a rejection');
}

describe('against the simulator', () => {
  it('reads the integration, tests it against ServiceNow and saves it', async () => {
    const c = client();
    await expect(c.getIntegration()).resolves.toEqual({
      endpoint: sn.url,
      username: seed.servicenow.integrationUsername,
      passwordSet: true,
      apiEndpoint: ck.url,
      createdBy: seed.cloudknox.createdBy,
      createdOn: expect.any(String),
      serviceAccountId: seed.cloudknox.serviceAccountId,
      accessKey: seed.cloudknox.accessKey,
    });
    await expect(c.testIntegration()).resolves.toEqual({
      status: 'SUCCESS',
      message: 'Connection successful, please Save',
    });
    await expect(c.saveIntegration()).resolves.toMatchObject({ endpoint: sn.url });
    expect(ck.integration()?.savedOn).toEqual(expect.any(String));
    expect(authentications()).toBe(1);
  });

  it('reports a failing ServiceNow login as a FAILURE answer, in CloudKnox’s words', async () => {
    sn.setUser(seed.servicenow.integrationUsername, { password: 'changed-in-servicenow' });
    await expect(client().testIntegration()).resolves.toEqual({
      status: 'FAILURE',
      errorCode: 'SERVICENOW_AUTH_FAILED',
      message: 'ServiceNow rejected the credentials for user cloudknox.endpoint',
    });
  });

  it('concurrent first calls authenticate once', async () => {
    const c = client();
    await Promise.all([c.getIntegration(), c.listKeys(), c.getIntegration(), c.listKeys()]);
    expect(authentications()).toBe(1);
  });

  it('after the token expires, the next call re-authenticates by itself, once', async () => {
    const c = client();
    await c.listKeys();
    ck.expireTokens();
    await expect(c.listKeys()).resolves.toHaveLength(1);
    expect(authentications()).toBe(2);
    expect(ck.requests.map((r) => `${r.endpoint} ${r.status}`)).toEqual([
      'authenticate 200',
      'listKeys 200',
      'listKeys 401',
      'authenticate 200',
      'listKeys 200',
    ]);
  });

  it('wrong credentials are CLOUDKNOX_AUTH_REJECTED with CloudKnox’s message', async () => {
    const err = await caught(
      client(5000, { ...botCreds, secretKey: 'ck-secret-not-this-one' }).getIntegration(),
    );
    expect([err.code, err.status, err.upstreamCode, err.message]).toEqual([
      'CLOUDKNOX_AUTH_REJECTED',
      401,
      'INVALID_CREDENTIALS',
      'Invalid service account credentials',
    ]);
  });

  it('rotates a key end to end: OTP by email, a wrong code, the right code, verify, revoke the old key', async () => {
    const c = client();
    const challenge = await c.requestKeyOtp();
    expect(challenge.sentTo).toBe('s•••@contoso.com');
    const code = ck.lastOtp() as string;
    expect(ck.outbox.at(-1)?.text).toContain(code);

    const wrong = await caught(
      c.createKey({ otpRequestId: challenge.otpRequestId, otp: code === '999999' ? '000000' : '999999' }),
    );
    expect([wrong.code, wrong.upstreamCode, otpAttemptsLeft(wrong)]).toEqual([
      'CLOUDKNOX_REQUEST_REJECTED',
      'OTP_INVALID',
      4,
    ]);

    const created = await c.createKey({ otpRequestId: challenge.otpRequestId, otp: code });
    expect(created.serviceAccountId).toBe(integrationCreds.serviceAccountId);
    expect(created.secretKey).toBe(ck.secretKeyOf(created.accessKey));
    const fresh = {
      serviceAccountId: created.serviceAccountId,
      accessKey: created.accessKey,
      secretKey: created.secretKey,
    };
    await expect(CloudKnoxClient.verifyCredentials(ck.url, fresh, 2000)).resolves.toBeUndefined();

    // The bot revokes the integration's old key with its own, untouched, credentials.
    await c.revokeKey(integrationCreds.accessKey);
    const keys = await c.listKeys();
    expect(keys.map((k) => [k.accessKey, k.status])).toEqual([
      [integrationCreds.accessKey, 'REVOKED'],
      [created.accessKey, 'ACTIVE'],
    ]);
    await expect(c.getIntegration()).resolves.toMatchObject({
      serviceAccountId: integrationCreds.serviceAccountId,
      accessKey: created.accessKey,
    });
    expect((await caught(CloudKnoxClient.verifyCredentials(ck.url, integrationCreds, 2000))).code).toBe(
      'CLOUDKNOX_AUTH_REJECTED',
    );
    // The bot's own key still authenticates: a restart on the same environment works.
    await expect(CloudKnoxClient.verifyCredentials(ck.url, botCreds, 2000)).resolves.toBeUndefined();
    expect(ck.botKeys().map((k) => [k.accessKey, k.status])).toEqual([[botCreds.accessKey, 'ACTIVE']]);
    expect(authentications()).toBe(4);
  });

  it('a client on the integration’s own account may manage its keys too', async () => {
    const c = client(5000, integrationCreds);
    await expect(c.getIntegration()).resolves.toMatchObject({
      serviceAccountId: integrationCreds.serviceAccountId,
      accessKey: integrationCreds.accessKey,
    });
    await expect(c.listKeys()).resolves.toHaveLength(1);
  });

  it('a client still on a revoked key fails with CLOUDKNOX_AUTH_REJECTED, and works again after setCredentials', async () => {
    // Only a client on the integration's account can revoke the key it runs on.
    const c = client(5000, integrationCreds);
    const otp = await c.requestKeyOtp();
    const created = await c.createKey({ otpRequestId: otp.otpRequestId, otp: ck.lastOtp() as string });
    await c.revokeKey(integrationCreds.accessKey); // revokes the key this client is using
    const err = await caught(c.listKeys());
    expect([err.code, err.upstreamCode]).toEqual(['CLOUDKNOX_AUTH_REJECTED', 'INVALID_CREDENTIALS']);
    c.setCredentials({ accessKey: created.accessKey, secretKey: created.secretKey });
    await expect(c.listKeys()).resolves.toHaveLength(2);
  });

  it('surfaces OTP_RESEND_TOO_SOON, OTP_EXPIRED and OTP_ATTEMPTS_EXCEEDED', async () => {
    let now = Date.now();
    await ck.close();
    ck = await startCloudKnoxSim({ servicenowUrl: sn.url, seed, now: () => now });
    const c = client();
    const first = await c.requestKeyOtp();
    const early = await caught(c.resendKeyOtp(first.otpRequestId));
    expect([early.code, early.upstreamCode, early.retryAfterSeconds]).toEqual([
      'UPSTREAM_RATE_LIMITED',
      'OTP_RESEND_TOO_SOON',
      30,
    ]);

    now += 5 * 60_000 + 1;
    const expired = await caught(
      c.createKey({ otpRequestId: first.otpRequestId, otp: ck.lastOtp() as string }),
    );
    expect([expired.code, expired.status, expired.upstreamCode]).toEqual([
      'CLOUDKNOX_REQUEST_REJECTED',
      410,
      'OTP_EXPIRED',
    ]);

    const second = await c.requestKeyOtp();
    const wrong = ck.lastOtp() === '123456' ? '654321' : '123456';
    for (let i = 0; i < 4; i++) await caught(c.createKey({ otpRequestId: second.otpRequestId, otp: wrong }));
    const exceeded = await caught(c.createKey({ otpRequestId: second.otpRequestId, otp: wrong }));
    expect([exceeded.code, exceeded.upstreamCode, otpAttemptsLeft(exceeded)]).toEqual([
      'CLOUDKNOX_REQUEST_REJECTED',
      'OTP_ATTEMPTS_EXCEEDED',
      0,
    ]);
  });

  it('a failed key creation is reported once and not retried', async () => {
    const c = client();
    const otp = await c.requestKeyOtp();
    ck.failNext('createKey', {
      status: 500,
      errorCode: 'INTERNAL_ERROR',
      message: 'Key service unavailable',
    });
    const err = await caught(c.createKey({ otpRequestId: otp.otpRequestId, otp: ck.lastOtp() as string }));
    expect([err.code, err.status]).toEqual(['UPSTREAM_SERVER_ERROR', 500]);
    expect(ck.requests.filter((r) => r.endpoint === 'createKey')).toHaveLength(1);
    expect(ck.keys()).toHaveLength(1);
  });

  it('a CloudKnox that hangs, resets or answers garbage gives the matching transport errors', async () => {
    const c = client(300);
    await c.authenticate();
    ck.faults.hang = { match: '/keys', times: 1 };
    expect((await caught(c.listKeys())).code).toBe('UPSTREAM_TIMEOUT');
    ck.faults.reset = { match: '/keys', times: 3 }; // a read is tried 3 times
    expect((await caught(c.listKeys())).code).toBe('UPSTREAM_UNREACHABLE');
    ck.faults.malformed = { match: '/keys', times: 1 };
    expect((await caught(c.listKeys())).code).toBe('UPSTREAM_BAD_RESPONSE');
    await expect(c.listKeys()).resolves.toHaveLength(1);
  });

  it('an unreachable CloudKnox is UPSTREAM_UNREACHABLE', async () => {
    const url = ck.url;
    await ck.close();
    const err = await caught(
      new CloudKnoxClient({ baseUrl: url, ...botCreds, timeoutMs: 2000 }).getIntegration(),
    );
    expect(err.code).toBe('UPSTREAM_UNREACHABLE');
    ck = await startCloudKnoxSim({ servicenowUrl: sn.url, seed }); // for afterEach
  });
});
