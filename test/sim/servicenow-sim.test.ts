import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSeed } from '../../src/sim/seed.js';
import {
  NO_CLOUDKNOX_ROLE_USER,
  ROLE,
  startServiceNowSim,
  type ServiceNowSim,
} from '../../src/sim/servicenow/index.js';

/** The ServiceNow simulator over real HTTP, as the bot and the CloudKnox simulator see it. */
const seed = defaultSeed();
const BOT = { user: seed.servicenow.botUsername, password: seed.servicenow.botPassword };
const INTEGRATION = {
  user: seed.servicenow.integrationUsername,
  password: seed.servicenow.integrationPassword,
};
const CONFIG = seed.servicenow.configTable;
const NO_ROLE = { user: NO_CLOUDKNOX_ROLE_USER.userName, password: NO_CLOUDKNOX_ROLE_USER.password };

let sim: ServiceNowSim;

beforeEach(async () => {
  sim = await startServiceNowSim({ cloudknoxApiUrl: 'http://127.0.0.1:4010' });
});
afterEach(async () => {
  await sim.close();
});

interface Call {
  as?: { user: string; password: string } | undefined;
  method?: string;
  body?: string;
}

/** Calls as the bot unless `as` is given (`as: undefined` sends no credentials). */
async function call(path: string, opts: Call = {}) {
  const headers: Record<string, string> = { accept: 'application/json' };
  const as = 'as' in opts ? opts.as : BOT;
  if (as) {
    const raw = Buffer.from(`${as.user}:${as.password}`, 'utf8').toString('base64');
    headers.authorization = `Basic ${raw}`;
  }
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${sim.url}${path}`, { method: opts.method ?? 'GET', headers, body: opts.body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: json as Record<string, unknown> | undefined,
  };
}

const userQuery = (name: string) =>
  `/api/now/table/sys_user?sysparm_query=${encodeURIComponent(`user_name=${name}`)}&sysparm_limit=1`;

describe('authentication', () => {
  it('answers the CloudKnox integration user query with string booleans', async () => {
    const res = await call(userQuery('cloudknox.endpoint'), { as: INTEGRATION });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-total-count')).toBe('1');
    const result = res.json?.result as Record<string, string>[];
    expect(result).toHaveLength(1);
    expect(result[0]).toMatchObject({ user_name: 'cloudknox.endpoint', active: 'true', locked_out: 'false' });
    expect(result[0]?.sys_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('answers 401 with the Table API envelope and WWW-Authenticate when no credentials are sent', async () => {
    const res = await call(userQuery('cloudknox.endpoint'), { as: undefined });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('BASIC realm="Service-now"');
    expect(res.json).toEqual({
      error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
      status: 'failure',
    });
    expect(res.headers.get('x-mfa_token')).toBeNull();
  });

  it('locks an account after 5 consecutive wrong passwords; the right password then fails too', async () => {
    const wrong = { user: INTEGRATION.user, password: 'not-it' };
    for (let i = 1; i <= 4; i++) {
      expect((await call(userQuery('x'), { as: wrong })).status).toBe(401);
      expect(sim.failedLogins(INTEGRATION.user)).toBe(i);
    }
    expect(sim.getUser(INTEGRATION.user)?.lockedOut).toBe(false);
    expect((await call(userQuery('x'), { as: wrong })).status).toBe(401);
    expect(sim.getUser(INTEGRATION.user)?.lockedOut).toBe(true);

    const locked = await call(userQuery('cloudknox.endpoint'), { as: INTEGRATION });
    expect(locked.status).toBe(401);
    expect((locked.json?.error as { message: string }).message).toBe('User Not Authenticated');

    // What another account sees in sys_user: the lock.
    const seen = await call(userQuery('cloudknox.endpoint'));
    expect((seen.json?.result as Record<string, string>[])[0]?.locked_out).toBe('true');

    sim.setUser(INTEGRATION.user, { lockedOut: false });
    expect(sim.failedLogins(INTEGRATION.user)).toBe(0);
    expect((await call(userQuery('cloudknox.endpoint'), { as: INTEGRATION })).status).toBe(200);
  });

  it('resets the failure count on a successful login', async () => {
    const wrong = { user: BOT.user, password: 'nope' };
    for (let i = 0; i < 4; i++) await call(userQuery('x'), { as: wrong });
    expect(sim.failedLogins(BOT.user)).toBe(4);
    expect((await call(userQuery('x'))).status).toBe(200);
    expect(sim.failedLogins(BOT.user)).toBe(0);
    await call(userQuery('x'), { as: wrong });
    expect(sim.getUser(BOT.user)?.lockedOut).toBe(false);
  });

  it('refuses an inactive account with the right password', async () => {
    sim.setUser(INTEGRATION.user, { active: false });
    expect((await call(userQuery('x'), { as: INTEGRATION })).status).toBe(401);
  });

  it('answers X-MFA_TOKEN: invalid when the password is right but the MFA code is missing', async () => {
    sim.setUser(BOT.user, { mfa: true, mfaCode: '424242' });
    const noCode = await call(userQuery('x'));
    expect(noCode.status).toBe(401);
    expect(noCode.headers.get('x-mfa_token')).toBe('invalid');
    expect(sim.failedLogins(BOT.user)).toBe(0);

    const wrongPassword = await call(userQuery('x'), { as: { user: BOT.user, password: 'wrong424242' } });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.headers.get('x-mfa_token')).toBeNull();

    const withCode = await call(userQuery('x'), {
      as: { user: BOT.user, password: `${BOT.password}424242` },
    });
    expect(withCode.status).toBe(200);
  });

  it('authenticates a UTF-8 password holding #%^*{}: and non-ASCII letters', async () => {
    const password = 'pässwörd#%^*{}:';
    sim.setUser(BOT.user, { password });
    expect((await call(userQuery('x'), { as: { user: BOT.user, password } })).status).toBe(200);
    // The same characters encoded as latin1 are a different password.
    const latin1 = Buffer.from(`${BOT.user}:${password}`, 'latin1').toString('base64');
    const res = await fetch(`${sim.url}${userQuery('x')}`, { headers: { authorization: `Basic ${latin1}` } });
    expect(res.status).toBe(401);
  });

  it('never logs a password', async () => {
    await call(userQuery('x'));
    await call(userQuery('x'), { as: { user: BOT.user, password: 'wrong-Pa55' } });
    const log = JSON.stringify(sim.requests);
    expect(sim.requests).toHaveLength(2);
    expect(sim.requests[1]).toMatchObject({
      method: 'GET',
      path: '/api/now/table/sys_user',
      user: BOT.user,
      status: 401,
    });
    expect(log).not.toContain(BOT.password);
    expect(log).not.toContain('wrong-Pa55');
    expect(log).not.toContain('Basic');
  });
});

describe('ACLs', () => {
  it('answers 403 "User Not Authorized" to a user without a CloudKnox role', async () => {
    const res = await call(userQuery('cloudknox.endpoint'), { as: NO_ROLE });
    expect(res.status).toBe(403);
    expect(res.json).toEqual({
      error: { message: 'User Not Authorized', detail: 'User is unauthorized to access table: sys_user' },
      status: 'failure',
    });
  });

  it('fails the API level ACL for a user without snc_internal', async () => {
    sim.setUser('external.user', { password: 'Ext#1', roles: [] });
    const res = await call(userQuery('x'), { as: { user: 'external.user', password: 'Ext#1' } });
    expect(res.status).toBe(403);
    expect(res.json?.error).toEqual({
      message: 'User Not Authorized',
      detail: 'Failed API level ACL Validation',
    });
  });

  it('lets the integration user read sys_user but not the configuration table', async () => {
    expect((await call(userQuery('cloudknox.chatops'), { as: INTEGRATION })).status).toBe(200);
    const res = await call(`/api/now/table/${CONFIG}`, { as: INTEGRATION });
    expect(res.status).toBe(403);
  });

  it('admin passes every ACL', async () => {
    sim.setUser('admin', { password: 'Adm1n!', roles: [ROLE.admin] });
    expect(
      (await call(`/api/now/table/${CONFIG}`, { as: { user: 'admin', password: 'Adm1n!' } })).status,
    ).toBe(200);
  });
});

describe('tables and records', () => {
  it('answers 400 "Invalid table <name>" for an unknown table', async () => {
    const res = await call('/api/now/table/x_nope_config');
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: { message: 'Invalid table x_nope_config', detail: null },
      status: 'failure',
    });
  });

  it('answers 400 for an API version that does not exist', async () => {
    const res = await call('/api/now/v9/table/sys_user');
    expect(res.status).toBe(400);
    expect((res.json?.error as { message: string }).message).toBe(
      'Requested URI does not represent any resource',
    );
  });

  it('GETs one record by sys_id and answers 404 "No Record found" for an unknown one', async () => {
    const sysId = sim.getUser(INTEGRATION.user)?.sysId ?? '';
    const found = await call(`/api/now/table/sys_user/${sysId}?sysparm_fields=user_name,active`);
    expect(found.status).toBe(200);
    expect(found.json?.result).toEqual({ user_name: 'cloudknox.endpoint', active: 'true' });

    const missing = await call(`/api/now/table/sys_user/${'0'.repeat(32)}`);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      error: {
        message: 'No Record found',
        detail: "Record doesn't exist or ACL restricts the record retrieval",
      },
      status: 'failure',
    });
  });

  it('answers an empty query with 200 [] on v2 and the default URL, 404 on v1', async () => {
    const q = `table/sys_user?sysparm_query=user_name=nobody`;
    for (const prefix of ['/api/now/', '/api/now/v2/']) {
      const res = await call(prefix + q);
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ result: [] });
    }
    const v1 = await call(`/api/now/v1/${q}`);
    expect(v1.status).toBe(404);
    expect(v1.json?.error).toEqual({
      message: 'No Record found',
      detail: 'Records matching query not found. Check query parameter or offset parameter',
    });
    const v1Found = await call(`/api/now/v1/table/sys_user?sysparm_query=user_name=abel.tuter`);
    expect(v1Found.status).toBe(200);
  });

  it('supports ^ (AND), ^^ (a literal caret), ORDERBY, sysparm_fields and sysparm_limit', async () => {
    sim.setUser('odd^name', { password: 'x' });
    sim.setUser('zed.inactive', { password: 'x', active: false });
    const names = async (query: string, extra = '') => {
      const res = await call(
        `/api/now/table/sys_user?sysparm_query=${encodeURIComponent(query)}&sysparm_fields=user_name${extra}`,
      );
      expect(res.status).toBe(200);
      return (res.json?.result as { user_name: string }[]).map((r) => r.user_name);
    };
    expect(await names('active=true^ORDERBYuser_name')).toEqual([
      'abel.tuter',
      'cloudknox.chatops',
      'cloudknox.endpoint',
      'odd^name',
    ]);
    expect(await names('active=false')).toEqual(['zed.inactive']);
    expect(await names('user_name=odd^^name')).toEqual(['odd^name']);
    expect(await names('user_name=odd^name')).toEqual([]);
    expect(await names('user_nameSTARTSWITHcloudknox^ORDERBYDESCuser_name')).toEqual([
      'cloudknox.endpoint',
      'cloudknox.chatops',
    ]);
    expect(await names('ORDERBYuser_name', '&sysparm_limit=2')).toEqual(['abel.tuter', 'cloudknox.chatops']);
    // A condition on a field the table lacks is ignored, as with glide.invalid_query.returns_no_rows=false.
    expect(await names('no_such_field=1^user_name=abel.tuter')).toEqual(['abel.tuter']);
  });

  it('rejects a negative offset', async () => {
    const res = await call('/api/now/table/sys_user?sysparm_offset=-1');
    expect(res.status).toBe(400);
  });
});

describe('the configuration record and its encrypted secret', () => {
  it('is seeded from the seed and the CloudKnox URL', () => {
    expect(sim.configRecord()).toMatchObject({
      api_endpoint: 'http://127.0.0.1:4010',
      service_account_id: seed.cloudknox.serviceAccountId,
      access_key: seed.cloudknox.accessKey,
      secret_key: seed.cloudknox.secretKey,
    });
  });

  it('never returns the secret in clear, whatever the read', async () => {
    const sysId = sim.configRecord()?.sys_id ?? '';
    const reads = [
      `/api/now/table/${CONFIG}`,
      `/api/now/v1/table/${CONFIG}?sysparm_fields=secret_key`,
      `/api/now/table/${CONFIG}/${sysId}`,
      `/api/now/table/${CONFIG}/${sysId}?sysparm_display_value=true`,
    ];
    for (const path of reads) {
      const res = await call(path);
      expect(res.status).toBe(200);
      expect(res.text).toContain('secret_key');
      expect(res.text).not.toContain(seed.cloudknox.secretKey);
    }
  });

  it('PATCH with sysparm_input_display_value=true stores the clear text encrypted', async () => {
    const sysId = sim.configRecord()?.sys_id ?? '';
    const res = await call(
      `/api/now/table/${CONFIG}/${sysId}?sysparm_input_display_value=true&sysparm_fields=sys_id,access_key`,
      {
        method: 'PATCH',
        body: JSON.stringify({ access_key: 'AKNEWKEY0000WXYZ', secret_key: 'brand-new-secret' }),
      },
    );
    expect(res.status).toBe(200);
    expect(res.json?.result).toEqual({ sys_id: sysId, access_key: 'AKNEWKEY0000WXYZ' });
    expect(sim.configRecord()).toMatchObject({
      access_key: 'AKNEWKEY0000WXYZ',
      secret_key: 'brand-new-secret',
      sys_updated_by: BOT.user,
      sys_mod_count: 1,
      service_account_id: seed.cloudknox.serviceAccountId,
    });
    const read = await call(`/api/now/table/${CONFIG}/${sysId}`);
    expect(read.text).not.toContain('brand-new-secret');
  });

  it('PATCH without sysparm_input_display_value stores the text as if it were ciphertext (unusable)', async () => {
    const sysId = sim.configRecord()?.sys_id ?? '';
    const res = await call(`/api/now/table/${CONFIG}/${sysId}`, {
      method: 'PATCH',
      body: JSON.stringify({ secret_key: 'brand-new-secret' }),
    });
    expect(res.status).toBe(200);
    expect(sim.configRecord()?.secret_key).toBeNull();
  });

  it('PUT updates only the given fields, like PATCH', async () => {
    const sysId = sim.configRecord()?.sys_id ?? '';
    const res = await call(`/api/now/v1/table/${CONFIG}/${sysId}?sysparm_input_display_value=true`, {
      method: 'PUT',
      body: JSON.stringify({ api_endpoint: 'https://cloudknox.example', sys_id: 'ignored', unknown: 'x' }),
    });
    expect(res.status).toBe(200);
    expect(sim.configRecord()).toMatchObject({
      sys_id: sysId,
      api_endpoint: 'https://cloudknox.example',
      access_key: seed.cloudknox.accessKey,
      secret_key: seed.cloudknox.secretKey,
    });
  });

  it('refuses writes without the write ACL, to unknown records and with a body that is not JSON', async () => {
    const sysId = sim.configRecord()?.sys_id ?? '';
    sim.setUser(INTEGRATION.user, { roles: [ROLE.internal, ROLE.cloudknoxIntegration, ROLE.itil] });
    const denied = await call(`/api/now/table/sys_user/${sim.getUser(BOT.user)?.sysId}`, {
      as: INTEGRATION,
      method: 'PATCH',
      body: '{"active":"false"}',
    });
    expect(denied.status).toBe(403);
    expect(denied.json?.error).toEqual({
      message: 'Operation Failed',
      detail: 'ACL Exception Update Failed due to security constraints',
    });
    expect(sim.getUser(BOT.user)?.active).toBe(true);

    const missing = await call(`/api/now/table/${CONFIG}/${'a'.repeat(32)}`, { method: 'PATCH', body: '{}' });
    expect(missing.status).toBe(404);

    const garbage = await call(`/api/now/table/${CONFIG}/${sysId}`, {
      method: 'PATCH',
      body: '{"secret_key": ',
    });
    expect(garbage.status).toBe(400);
    expect(sim.configRecord()?.secret_key).toBe(seed.cloudknox.secretKey);
  });

  it('can be emptied and recreated by tests', async () => {
    sim.removeConfigRecord();
    expect(sim.configRecord()).toBeUndefined();
    expect((await call(`/api/now/table/${CONFIG}`)).json).toEqual({ result: [] });
    sim.setConfigRecord({ api_endpoint: 'http://127.0.0.1:1', secret_key: 's3' });
    expect(sim.configRecord()).toMatchObject({
      api_endpoint: 'http://127.0.0.1:1',
      secret_key: 's3',
      access_key: '',
    });
  });
});

describe('switches', () => {
  it('hibernating: every URL answers 200 with the HTML hibernation page, without counting logins', async () => {
    sim.hibernating = true;
    for (const as of [BOT, { user: BOT.user, password: 'wrong' }, undefined]) {
      const res = await call(userQuery('x'), { as });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.text).toMatch(/^<!DOCTYPE html>/);
      expect(res.text).toContain('Your instance is hibernating');
    }
    expect(sim.failedLogins(BOT.user)).toBe(0);
    sim.hibernating = false;
    expect((await call(userQuery('x'))).status).toBe(200);
  });

  it('rateLimit: counts down, then 429 with Retry-After and X-RateLimit-* headers', async () => {
    sim.rateLimit = { limit: 50, remaining: 2, resetSeconds: 120 };
    const first = await call(userQuery('x'));
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('50');
    await call(userQuery('x'));
    const before = Math.floor(Date.now() / 1000);
    const limited = await call(userQuery('x'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('120');
    expect(limited.headers.get('x-ratelimit-limit')).toBe('50');
    const reset = Number(limited.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(before + 120);
    expect(reset).toBeLessThanOrEqual(before + 122);
    expect(limited.headers.get('x-ratelimit-rule')).toMatch(/^[0-9a-f]{32}$/);
    expect(limited.json?.status).toBe('failure');
    sim.rateLimit = undefined;
    expect((await call(userQuery('x'))).status).toBe(200);
  });

  it('shares the fault switches: a one-shot 503, then normal service', async () => {
    sim.faults.status = { code: 503, times: 1 };
    expect((await call(userQuery('x'))).status).toBe(503);
    expect((await call(userQuery('x'))).status).toBe(200);
    sim.faults.malformed = { match: '/sys_user', times: 1 };
    const bad = await call(userQuery('x'));
    expect(bad.status).toBe(200);
    expect(bad.json).toBeUndefined();
  });
});
