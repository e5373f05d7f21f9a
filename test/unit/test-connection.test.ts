import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/clients/upstream-error.js';
import type {
  CloudKnoxPort,
  Integration,
  ServiceNowConfigRecord,
  ServiceNowPort,
} from '../../src/flows/ports.js';
import { testConnection } from '../../src/flows/test-connection.js';
import { connectionTestResultMessage } from '../../src/slack/blocks/connection-test-result.js';

const integration: Integration = {
  endpoint: 'https://dev1.service-now.com',
  username: 'cloudknox.endpoint',
  passwordSet: true,
  apiEndpoint: 'https://app.cloudknox.io',
  createdBy: 'priya@contoso.com',
  createdOn: '2026-01-02T03:04:05Z',
  serviceAccountId: 'sa-1',
  accessKey: 'AKCK7Q2M9XW4PL8ZBHCN',
};
const record: ServiceNowConfigRecord = {
  sysId: 'abc',
  apiEndpoint: 'https://APP.cloudknox.io/',
  serviceAccountId: 'sa-1',
  accessKey: 'AKCK7Q2M9XW4PL8ZBHCN',
};

function world(over: { cloudknox?: Partial<CloudKnoxPort>; servicenow?: Partial<ServiceNowPort> } = {}) {
  const cloudknox: Pick<CloudKnoxPort, 'getIntegration' | 'testIntegration'> = {
    getIntegration: async () => integration,
    testIntegration: async () => ({ status: 'SUCCESS', message: 'Connection successful, please Save' }),
    ...over.cloudknox,
  };
  const servicenow: ServiceNowPort = {
    getUserByName: async (userName) => ({ sysId: 'u1', userName, active: true, lockedOut: false }),
    getConfigRecord: async () => record,
    ...over.servicenow,
  };
  return { cloudknox, servicenow, configTable: 'x_cfg', integrationUser: 'cloudknox.endpoint' };
}

function render(report: Awaited<ReturnType<typeof testConnection>>): string {
  const msg = connectionTestResultMessage(report, {
    requestedBy: 'U0ADMIN001',
    servicenowUrl: 'https://dev1.service-now.com',
    cloudknoxUrl: 'https://app.cloudknox.io',
  });
  return JSON.stringify(msg);
}

describe('testConnection', () => {
  it('passes when all three checks pass, treating host case and a trailing slash as the same endpoint', async () => {
    const report = await testConnection(world());
    expect(report.ok).toBe(true);
    const shown = render(report);
    expect(shown).toContain('Connection successful, please Save');
    expect(shown).toContain('servicenow_save_connection');
    expect(shown).toContain('••••BHCN');
    expect(shown).not.toContain('AKCK7Q2M9XW4PL8ZBHCN');
  });

  it('runs CloudKnox alongside ServiceNow, but the two ServiceNow reads one at a time', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow = <T>(v: T) =>
      (async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
        return v;
      })();
    await testConnection(
      world({
        cloudknox: {
          testIntegration: () => slow({ status: 'SUCCESS' as const, message: 'ok' }),
          getIntegration: () => slow(integration),
        },
        servicenow: {
          getUserByName: () => slow({ sysId: 'u', userName: 'x', active: true, lockedOut: false }),
          getConfigRecord: () => slow(record),
        },
      }),
    );
    expect(peak).toBe(3);
  });

  it("makes only one ServiceNow login attempt when the bot's login is refused", async () => {
    let configReads = 0;
    const refused = new UpstreamError({
      code: 'SERVICENOW_AUTH_FAILED',
      service: 'servicenow',
      status: 401,
      message: 'ServiceNow rejected the login of "bot"',
    });
    const report = await testConnection(
      world({
        servicenow: {
          getUserByName: async () => Promise.reject(refused),
          getConfigRecord: async () => (configReads++, record),
        },
      }),
    );
    expect(configReads).toBe(0);
    expect(report.checks.servicenow_to_cloudknox).toEqual({ kind: 'error', error: refused });
  });

  it('reports a stale key with both keys masked side by side and no Save button', async () => {
    const report = await testConnection(
      world({
        servicenow: { getConfigRecord: async () => ({ ...record, accessKey: 'AKOLDOLDOLDOLDOLDWXYZ' }) },
      }),
    );
    expect(report.ok).toBe(false);
    expect(report.checks.servicenow_to_cloudknox.kind).toBe('failed');
    const shown = render(report);
    expect(shown).toContain('ServiceNow has ••••WXYZ, CloudKnox has ••••BHCN');
    expect(shown).not.toContain('AKOLDOLDOLDOLDOLDWXYZ');
    expect(shown).not.toContain('servicenow_save_connection');
    expect(shown).toContain('1 of 3 checks');
  });

  it('reports another API End Point', async () => {
    const report = await testConnection(
      world({
        servicenow: { getConfigRecord: async () => ({ ...record, apiEndpoint: 'https://old.cloudknox.io' }) },
      }),
    );
    expect(render(report)).toContain('API End Point: ServiceNow has `https://old.cloudknox.io`');
  });

  it.each([
    [{ active: true, lockedOut: true }, 'is locked out'],
    [{ active: false, lockedOut: false }, 'is inactive'],
  ])('reports the integration user %j', async (state, words) => {
    const report = await testConnection(
      world({ servicenow: { getUserByName: async (u) => ({ sysId: 'u', userName: u, ...state }) } }),
    );
    expect(report.checks.integration_user.kind).toBe('failed');
    expect(render(report)).toContain(words);
  });

  it('reports a missing integration user and a missing configuration record', async () => {
    const report = await testConnection(
      world({ servicenow: { getUserByName: async () => undefined, getConfigRecord: async () => undefined } }),
    );
    const shown = render(report);
    expect(shown).toContain('does not exist in ServiceNow');
    expect(shown).toContain('No CloudKnox configuration record in `x_cfg`');
    expect(shown).toContain('2 of 3 checks');
  });

  it('keeps the other checks when one neighbour throws, and shows the specific reason', async () => {
    const rejected = new UpstreamError({
      code: 'CLOUDKNOX_AUTH_REJECTED',
      service: 'cloudknox',
      status: 401,
      message: 'CloudKnox rejected the service account: Invalid credentials',
    });
    const report = await testConnection(
      world({
        cloudknox: {
          testIntegration: async () => Promise.reject(rejected),
          getIntegration: async () => Promise.reject(rejected),
        },
      }),
    );
    expect(report.checks.integration_user.kind).toBe('ok');
    expect(report.checks.cloudknox_to_servicenow.kind).toBe('error');
    const shown = render(report);
    expect(shown).toContain(
      'CloudKnox rejected the service account: Invalid credentials. Check CLOUDKNOX_SERVICE_ACCOUNT_ID',
    );
    expect(shown).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it("shows CloudKnox's own failure message, escaped so it cannot ping the channel", async () => {
    const report = await testConnection(
      world({
        cloudknox: {
          testIntegration: async () => ({
            status: 'FAILURE',
            errorCode: 'SERVICENOW_AUTH_FAILED',
            message: 'Login failed <!channel>',
          }),
        },
      }),
    );
    const shown = render(report);
    expect(shown).toContain('Login failed &lt;!channel&gt;');
    expect(shown).toContain('`SERVICENOW_AUTH_FAILED`');
  });
});
