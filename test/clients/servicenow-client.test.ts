import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServiceNowClient } from '../../src/clients/servicenow/index.js';
import { UpstreamError } from '../../src/clients/upstream-error.js';
import { defaultSeed } from '../../src/sim/seed.js';
import { describeError } from '../../src/slack/error-text.js';
import {
  NO_CLOUDKNOX_ROLE_USER,
  ROLE,
  startServiceNowSim,
  type ServiceNowSim,
} from '../../src/sim/servicenow/index.js';

/** The client against the simulator over real HTTP. */
const seed = defaultSeed();
const CONFIG = seed.servicenow.configTable;
let sim: ServiceNowSim;

beforeEach(async () => {
  sim = await startServiceNowSim({ cloudknoxApiUrl: 'http://127.0.0.1:4010' });
});
afterEach(async () => {
  await sim.close();
});

function client(as: { username?: string; password?: string; timeoutMs?: number } = {}) {
  return new ServiceNowClient({
    // As an admin would paste it, path and all.
    instanceUrl: `${sim.url}/nav_to.do?uri=sys_user_list.do`,
    username: as.username ?? seed.servicenow.botUsername,
    password: as.password ?? seed.servicenow.botPassword,
    timeoutMs: as.timeoutMs,
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

function expectNoSecret(err: UpstreamError, ...secrets: string[]) {
  const everything = `${err.message}\n${err.stack ?? ''}\n${JSON.stringify(err)}\n${inspect(err)}`;
  for (const s of secrets) {
    expect(everything).not.toContain(s);
    expect(everything).not.toContain(Buffer.from(s, 'utf8').toString('base64'));
  }
}

describe('getUserByName', () => {
  it('reads the integration user with real booleans', async () => {
    const user = await client().getUserByName('cloudknox.endpoint');
    expect(user).toEqual({
      sysId: sim.getUser('cloudknox.endpoint')?.sysId,
      userName: 'cloudknox.endpoint',
      active: true,
      lockedOut: false,
    });
    expect(sim.requests.at(-1)?.query).toContain('sysparm_limit=1');
  });

  it('reports a locked-out and an inactive user as such', async () => {
    sim.setUser('cloudknox.endpoint', { lockedOut: true, active: false });
    expect(await client().getUserByName('cloudknox.endpoint')).toMatchObject({
      active: false,
      lockedOut: true,
    });
  });

  it('returns undefined for a missing user', async () => {
    sim.removeUser('cloudknox.endpoint');
    expect(await client().getUserByName('cloudknox.endpoint')).toBeUndefined();
  });

  it('escapes ^ so a name cannot add query conditions of its own', async () => {
    sim.setUser('odd^name', { password: 'x' });
    expect(await client().getUserByName('odd^name')).toMatchObject({ userName: 'odd^name' });
    expect(await client().getUserByName('abel.tuter^ORDERBYuser_name')).toBeUndefined();
  });

  it('authenticates with a UTF-8 password holding #%^*{}: and non-ASCII letters', async () => {
    const password = 'pässwörd#%^*{}:';
    sim.setUser(seed.servicenow.botUsername, { password });
    expect(await client({ password }).getUserByName('cloudknox.endpoint')).toMatchObject({ active: true });
  });
});

describe('login failures', () => {
  const wrong = 'Wr0ng#Pässwörd:{x}';

  it('a wrong password is SERVICENOW_AUTH_FAILED, tried once, never quoted', async () => {
    const err = await failure(client({ password: wrong }).getUserByName('cloudknox.endpoint'));
    expect(err.code).toBe('SERVICENOW_AUTH_FAILED');
    expect(err.service).toBe('servicenow');
    expect(err.status).toBe(401);
    expect(err.message).toContain('User Not Authenticated');
    expect(err.message).toContain(seed.servicenow.botUsername);
    expectNoSecret(err, wrong, `${seed.servicenow.botUsername}:${wrong}`);
    expect(sim.requests).toHaveLength(1);
    expect(sim.failedLogins(seed.servicenow.botUsername)).toBe(1);
  });

  it('five failed calls lock the account, and the right password then fails as well', async () => {
    const bad = client({ password: wrong });
    for (let i = 0; i < 5; i++) await failure(bad.getUserByName('x'));
    expect(sim.getUser(seed.servicenow.botUsername)?.lockedOut).toBe(true);
    const err = await failure(client().getUserByName('x'));
    expect(err.code).toBe('SERVICENOW_AUTH_FAILED');
    expect(sim.requests).toHaveLength(6);
  });

  it('an account with MFA is SERVICENOW_MFA_REQUIRED', async () => {
    sim.setUser(seed.servicenow.botUsername, { mfa: true, mfaCode: '123456' });
    const err = await failure(client().getUserByName('x'));
    expect(err.code).toBe('SERVICENOW_MFA_REQUIRED');
    expectNoSecret(err, seed.servicenow.botPassword);
  });

  it('never exposes the password through the client object itself', () => {
    const c = client({ password: wrong });
    expect(JSON.stringify(c)).not.toContain(wrong);
    expect(inspect(c, { depth: 5, showHidden: true })).not.toContain(wrong);
    expect(inspect(c, { depth: 5, showHidden: true })).not.toContain(
      Buffer.from(`${seed.servicenow.botUsername}:${wrong}`).toString('base64'),
    );
  });
});

describe('getConfigRecord', () => {
  it('reads the seeded record, without any secret', async () => {
    const record = await client().getConfigRecord(CONFIG);
    expect(record).toEqual({
      sysId: sim.configRecord()?.sys_id,
      apiEndpoint: 'http://127.0.0.1:4010',
      serviceAccountId: seed.cloudknox.serviceAccountId,
      accessKey: seed.cloudknox.accessKey,
    });
    expect(JSON.stringify(record)).not.toContain('secret');
  });

  it('returns undefined when the table is empty', async () => {
    sim.removeConfigRecord();
    expect(await client().getConfigRecord(CONFIG)).toBeUndefined();
  });

  it('a table the instance does not have is SERVICENOW_INVALID_TABLE', async () => {
    const err = await failure(client().getConfigRecord('x_cloudknox_wrong_config'));
    expect(err.code).toBe('SERVICENOW_INVALID_TABLE');
    expect(err.message).toContain('x_cloudknox_wrong_config');
  });

  it('refuses a table name that is not one before sending anything', async () => {
    await expect(client().getConfigRecord('sys_user/../../x')).rejects.toThrow(/not a ServiceNow table name/);
    expect(sim.requests).toHaveLength(0);
  });

  it('a user without the CloudKnox role is SERVICENOW_FORBIDDEN with ServiceNow’s words', async () => {
    const err = await failure(
      client({
        username: NO_CLOUDKNOX_ROLE_USER.userName,
        password: NO_CLOUDKNOX_ROLE_USER.password,
      }).getConfigRecord(CONFIG),
    );
    expect(err.code).toBe('SERVICENOW_FORBIDDEN');
    expect(err.status).toBe(403);
    expect(err.message).toContain('User Not Authorized');
    expect(err.message).toContain(`User is unauthorized to access table: ${CONFIG}`);
    expectNoSecret(err, NO_CLOUDKNOX_ROLE_USER.password);
  });
});

describe('updateConfigRecord', () => {
  it('writes the new key pair so the instance can decrypt the secret, in one PATCH', async () => {
    const sysId = sim.configRecord()?.sys_id ?? '';
    const updated = await client().updateConfigRecord(CONFIG, sysId, {
      access_key: 'AKCKNEWKEY00000WXYZ',
      secret_key: 'ck-secret-rotated-Qw3rTy',
    });
    expect(updated).toEqual({
      sysId,
      apiEndpoint: 'http://127.0.0.1:4010',
      serviceAccountId: seed.cloudknox.serviceAccountId,
      accessKey: 'AKCKNEWKEY00000WXYZ',
    });
    expect(sim.configRecord()).toMatchObject({
      access_key: 'AKCKNEWKEY00000WXYZ',
      secret_key: 'ck-secret-rotated-Qw3rTy',
      sys_updated_by: seed.servicenow.botUsername,
    });
    const patches = sim.requests.filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(patches[0]?.query).toContain('sysparm_input_display_value=true');
    expect(JSON.stringify(sim.requests)).not.toContain('ck-secret-rotated-Qw3rTy');
  });

  it('an unknown sys_id is SERVICENOW_NOT_FOUND and is not retried', async () => {
    const err = await failure(
      client().updateConfigRecord(CONFIG, 'f'.repeat(32), { secret_key: 'ck-new-secret-1' }),
    );
    expect(err.code).toBe('SERVICENOW_NOT_FOUND');
    expect(err.message).toContain('No Record found');
    expectNoSecret(err, 'ck-new-secret-1');
    expect(sim.requests).toHaveLength(1);
    expect(sim.configRecord()?.secret_key).toBe(seed.cloudknox.secretKey);
  });

  it('an account without write access is SERVICENOW_FORBIDDEN and the record is unchanged', async () => {
    sim.setUser(seed.servicenow.botUsername, { roles: [ROLE.internal, ROLE.itil] });
    const sysId = sim.configRecord()?.sys_id ?? '';
    const err = await failure(client().updateConfigRecord(CONFIG, sysId, { secret_key: 'ck-new-secret-2' }));
    expect(err.code).toBe('SERVICENOW_FORBIDDEN');
    expectNoSecret(err, 'ck-new-secret-2', seed.servicenow.botPassword);
    expect(sim.configRecord()?.secret_key).toBe(seed.cloudknox.secretKey);
  });

  it('refuses an empty update and a malformed sys_id without calling ServiceNow', async () => {
    const sysId = sim.configRecord()?.sys_id ?? '';
    await expect(client().updateConfigRecord(CONFIG, sysId, {})).rejects.toThrow(/at least one field/);
    await expect(client().updateConfigRecord(CONFIG, '../sys_user', { access_key: 'x' })).rejects.toThrow(
      /sys_id/,
    );
    expect(sim.requests).toHaveLength(0);
  });
});

describe('instance conditions', () => {
  it('a hibernating instance is SERVICENOW_HIBERNATING', async () => {
    sim.hibernating = true;
    const err = await failure(client().getUserByName('cloudknox.endpoint'));
    expect(err.code).toBe('SERVICENOW_HIBERNATING');
    expect(err.message).toMatch(/hibernating/);
  });

  it('a rate limit is UPSTREAM_RATE_LIMITED with the wait ServiceNow asked for', async () => {
    sim.rateLimit = { remaining: 0, resetSeconds: 90 };
    const err = await failure(client().getConfigRecord(CONFIG));
    expect(err.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(err.retryAfterSeconds).toBe(90);
    // The user is told how long to wait (the Slack error text adds it from retryAfterSeconds).
    expect(describeError(err)).toContain('Retry after 90 s');
  });

  it('a 503 that lasts is UPSTREAM_SERVER_ERROR, after a read was asked 3 times', async () => {
    const rule = { code: 503, times: 5 };
    sim.faults.status = rule;
    const err = await failure(client().getUserByName('x'));
    expect(err.code).toBe('UPSTREAM_SERVER_ERROR');
    expect([rule.times, err.attempts]).toEqual([2, 3]);
    expect(err.message).toContain('3 attempts');
  });

  it('a truncated JSON body is UPSTREAM_BAD_RESPONSE', async () => {
    sim.faults.malformed = { times: 1 };
    expect((await failure(client().getUserByName('x'))).code).toBe('UPSTREAM_BAD_RESPONSE');
  });

  it('a connection that keeps being reset is UPSTREAM_UNREACHABLE, after a read was tried 3 times', async () => {
    const rule = { times: 5 };
    sim.faults.reset = rule;
    const err = await failure(client().getUserByName('x'));
    expect(err.code).toBe('UPSTREAM_UNREACHABLE');
    expect([rule.times, err.attempts]).toEqual([2, 3]);
  });

  it('an instance that never answers is UPSTREAM_TIMEOUT after timeoutMs', async () => {
    sim.faults.hang = { times: 1 };
    const started = Date.now();
    const err = await failure(client({ timeoutMs: 200 }).getUserByName('x'));
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a server that is not there is UPSTREAM_UNREACHABLE', async () => {
    const url = sim.url;
    await sim.close();
    const c = new ServiceNowClient({ instanceUrl: url, username: 'a', password: 'b' });
    expect((await failure(c.getUserByName('x'))).code).toBe('UPSTREAM_UNREACHABLE');
    sim = await startServiceNowSim(); // for afterEach
  });
});
