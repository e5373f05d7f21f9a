import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudKnoxClient, type CloudKnoxCredentials } from '../../src/clients/cloudknox/index.js';
import { OutboundPolicy } from '../../src/clients/outbound-policy.js';
import { ServiceNowClient } from '../../src/clients/servicenow/index.js';
import { UpstreamError } from '../../src/clients/upstream-error.js';
import { startCloudKnoxSim, type CloudKnoxSim } from '../../src/sim/cloudknox/index.js';
import type { FaultRule } from '../../src/sim/faults.js';
import { defaultSeed } from '../../src/sim/seed.js';
import { startServiceNowSim, type ServiceNowSim } from '../../src/sim/servicenow/index.js';

/**
 * Issue 6, "Retry policy", against the simulators' fault switches (src/sim/faults.ts) over real HTTP,
 * with the clients built as the bot builds them (outbound policy with the loopback allowance).
 * A fault rule with `times: 5` counts down once per request it answers, so `5 - rule.times` is
 * exactly how often the request was sent.
 */
const seed = defaultSeed();
const botCreds: CloudKnoxCredentials = {
  serviceAccountId: seed.cloudknox.bot.serviceAccountId,
  accessKey: seed.cloudknox.bot.accessKey,
  secretKey: seed.cloudknox.bot.secretKey,
};
const TABLE = seed.servicenow.configTable;

let sn: ServiceNowSim;
let ck: CloudKnoxSim;
let outbound: OutboundPolicy;

beforeEach(async () => {
  sn = await startServiceNowSim({ seed });
  ck = await startCloudKnoxSim({ servicenowUrl: sn.url, seed });
  sn.setConfigRecord({ api_endpoint: ck.url });
  outbound = new OutboundPolicy({ allowInsecureLoopback: true });
});
afterEach(async () => {
  outbound.destroy();
  await ck.close();
  await sn.close();
});

const servicenow = (opts: { password?: string; timeoutMs?: number } = {}) =>
  new ServiceNowClient({
    instanceUrl: sn.url,
    username: seed.servicenow.botUsername,
    password: opts.password ?? seed.servicenow.botPassword,
    timeoutMs: opts.timeoutMs ?? 2000,
    outbound,
  });

const cloudknox = (timeoutMs = 2000, creds = botCreds) =>
  new CloudKnoxClient({ baseUrl: ck.url, ...creds, timeoutMs, outbound });

const sentTimes = (rule: FaultRule) => 5 - (rule.times ?? 0);

async function caught(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UpstreamError);
    return e as UpstreamError;
  }
  throw new Error('expected a rejection');
}

describe('ServiceNow simulator', () => {
  it('a read succeeds after one 503', async () => {
    sn.faults.status = { code: 503, times: 1 };
    await expect(servicenow().getUserByName('cloudknox.endpoint')).resolves.toMatchObject({ active: true });
    expect(sn.faults.status.times).toBe(0);
  });

  it('a read succeeds after one connection reset', async () => {
    sn.faults.reset = { times: 1 };
    await expect(servicenow().getConfigRecord(TABLE)).resolves.toMatchObject({ apiEndpoint: ck.url });
    expect(sn.faults.reset.times).toBe(0);
  });

  it('a read succeeds after one timeout', async () => {
    sn.faults.hang = { times: 1 };
    const started = Date.now();
    await expect(servicenow({ timeoutMs: 600 }).getUserByName('cloudknox.endpoint')).resolves.toMatchObject({
      active: true,
    });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('a read that never gets an answer stops within twice the per-call timeout', async () => {
    const rule = { times: 5 };
    sn.faults.hang = rule;
    const started = Date.now();
    const err = await caught(servicenow({ timeoutMs: 600 }).getUserByName('cloudknox.endpoint'));
    expect([err.code, err.attempts, sentTimes(rule)]).toEqual(['UPSTREAM_TIMEOUT', 2, 2]);
    expect(Date.now() - started).toBeLessThan(2 * 600 + 300);
  });

  it('the PATCH is sent exactly once on a 503, and the record is untouched', async () => {
    const before = sn.configRecord();
    const rule = { code: 503, method: 'PATCH', times: 5 };
    sn.faults.status = rule;
    const err = await caught(
      servicenow().updateConfigRecord(TABLE, before!.sys_id, {
        access_key: 'AKNEWNEWNEWNEWNEW001',
        secret_key: 'x-new',
      }),
    );
    expect(err.code).toBe('UPSTREAM_SERVER_ERROR');
    expect(sentTimes(rule)).toBe(1);
    expect(sn.configRecord()).toEqual(before);
  });

  it('the PATCH is sent exactly once on a reset and on a timeout (timeouts retried for reads only)', async () => {
    const sysId = sn.configRecord()!.sys_id;
    const reset = { method: 'PATCH', times: 5 };
    sn.faults.reset = reset;
    expect((await caught(servicenow().updateConfigRecord(TABLE, sysId, { access_key: 'AK1' }))).code).toBe(
      'UPSTREAM_UNREACHABLE',
    );
    expect(sentTimes(reset)).toBe(1);
    sn.faults.reset = undefined;
    const hang = { method: 'PATCH', times: 5 };
    sn.faults.hang = hang;
    const err = await caught(
      servicenow({ timeoutMs: 600 }).updateConfigRecord(TABLE, sysId, { access_key: 'AK2' }),
    );
    expect([err.code, err.attempts, sentTimes(hang)]).toEqual(['UPSTREAM_TIMEOUT', 1, 1]);
  });

  it('a 401 is sent exactly once: one failed login on the account, not three', async () => {
    const err = await caught(servicenow({ password: 'wrong-password' }).getUserByName('cloudknox.endpoint'));
    expect(err.code).toBe('SERVICENOW_AUTH_FAILED');
    expect(sn.requests).toHaveLength(1);
    expect(sn.getUser(seed.servicenow.botUsername)?.failedAttempts).toBe(1);
  });
});

describe('CloudKnox simulator', () => {
  const logged = (endpoint: string) => ck.requests.filter((r) => r.endpoint === endpoint).length;

  it('GET integration succeeds after one 503; GET keys after one reset; and after one timeout', async () => {
    const c = cloudknox(600);
    await c.authenticate();
    ck.faults.status = { code: 503, match: '/integrations/servicenow', method: 'GET', times: 1 };
    await expect(c.getIntegration()).resolves.toMatchObject({
      serviceAccountId: seed.cloudknox.serviceAccountId,
    });
    ck.faults.reset = { match: '/keys', method: 'GET', times: 1 };
    await expect(c.listKeys()).resolves.toHaveLength(1);
    ck.faults.hang = { match: '/keys', method: 'GET', times: 1 };
    await expect(c.listKeys()).resolves.toHaveLength(1);
    expect([ck.faults.status.times, ck.faults.reset.times, ck.faults.hang.times]).toEqual([0, 0, 0]);
  });

  it.each([
    ['Save Connection', '/save', (c: CloudKnoxClient) => c.saveIntegration()],
    ['Test Connection', '/test', (c: CloudKnoxClient) => c.testIntegration()],
    ['OTP request', '/keys/otp', (c: CloudKnoxClient) => c.requestKeyOtp()],
  ])('%s is sent exactly once on a 503', async (_name, match, call) => {
    const c = cloudknox();
    await c.authenticate();
    const rule = { code: 503, match, method: 'POST', times: 5 };
    ck.faults.status = rule;
    expect((await caught(call(c))).code).toBe('UPSTREAM_SERVER_ERROR');
    expect(sentTimes(rule)).toBe(1);
    expect(ck.outbox).toHaveLength(0); // no OTP email went out
    expect(ck.integration()?.savedOn ?? null).toBeNull();
  });

  it('create key is sent exactly once on a reset: no second key', async () => {
    const c = cloudknox();
    const otp = await c.requestKeyOtp();
    const rule = { match: '/keys', method: 'POST', times: 5 };
    ck.faults.reset = rule;
    const err = await caught(c.createKey({ otpRequestId: otp.otpRequestId, otp: ck.lastOtp()! }));
    expect(err.code).toBe('UPSTREAM_UNREACHABLE');
    expect(sentTimes(rule)).toBe(1);
    expect(ck.keys()).toHaveLength(1);
  });

  it('revoke is sent exactly once on a timeout', async () => {
    const c = cloudknox(600);
    await c.authenticate();
    const rule = { match: '/keys/', method: 'DELETE', times: 5 };
    ck.faults.hang = rule;
    const err = await caught(c.revokeKey(seed.cloudknox.accessKey));
    expect([err.code, sentTimes(rule)]).toEqual(['UPSTREAM_TIMEOUT', 1]);
    expect(ck.activeKey()?.status).toBe('ACTIVE');
  });

  it('a refused authentication (401) is sent exactly once', async () => {
    const err = await caught(cloudknox(2000, { ...botCreds, secretKey: 'not-the-secret' }).getIntegration());
    expect(err.code).toBe('CLOUDKNOX_AUTH_REJECTED');
    expect(logged('authenticate')).toBe(1);
  });

  it('an authentication that meets a 503 is tried once more, then the call goes on', async () => {
    const rule = { code: 503, match: '/authenticate', times: 1 };
    ck.faults.status = rule;
    await expect(cloudknox().getIntegration()).resolves.toBeDefined();
    expect([rule.times, logged('authenticate')]).toEqual([0, 1]);
  });

  it('an authentication that keeps meeting 503 gives up after 2 attempts', async () => {
    const rule = { code: 503, match: '/authenticate', times: 5 };
    ck.faults.status = rule;
    const err = await caught(cloudknox().getIntegration());
    expect([err.code, err.attempts, sentTimes(rule)]).toEqual(['UPSTREAM_SERVER_ERROR', 2, 2]);
  });
});
