import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';

const valid = {
  SLACK_SIGNING_SECRET: 'sig-canary-0001',
  SLACK_BOT_TOKEN: 'xoxb-canary-0002',
  CLOUDKNOX_API_URL: 'https://app.cloudknox.io',
  CLOUDKNOX_SERVICE_ACCOUNT_ID: 'sa-1',
  CLOUDKNOX_ACCESS_KEY: 'AKCK7Q2M9XW4PL8ZBHCN',
  CLOUDKNOX_SECRET_KEY: 'secret-canary-0003',
  SERVICENOW_INSTANCE_URL: 'https://dev12345.service-now.com',
  SERVICENOW_USERNAME: 'cloudknox.chatops',
  SERVICENOW_PASSWORD: 'password-canary-0004',
  CLOUDKNOX_ADMINS: 'U0ADMIN001, S0SECADMIN',
  CLOUDKNOX_APPROVERS: 'U0APPROV01',
};

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const r = loadConfig(valid);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.env.PORT).toBe(3000);
    expect(r.env.SLACK_API_URL).toBe('https://slack.com/api/');
    expect(r.env.SERVICENOW_INTEGRATION_USER).toBe('cloudknox.endpoint');
    expect(r.env.ROTATION_REQUEST_TTL_MINUTES).toBe(30);
    expect(r.env.ROTATION_APPROVAL).toBe('required');
    expect(r.env.CLOUDKNOX_ADMINS).toEqual(['U0ADMIN001', 'S0SECADMIN']);
    expect(r.env.REDIS_URL).toBeUndefined();
  });

  it('names every bad variable once, says what is wrong, and never echoes a value', () => {
    const bad = {
      ...valid,
      SLACK_BOT_TOKEN: 'xoxp-canary-user-token',
      CLOUDKNOX_API_URL: 'not a url canary-url',
      PORT: '99999',
      CLOUDKNOX_ADMINS: 'ada.admin',
      LOG_LEVEL: 'loud-canary',
      REDIS_URL: 'http://canary-redis',
      ROTATION_APPROVAL: 'maybe-canary',
    } as Record<string, string>;
    delete bad.SERVICENOW_PASSWORD;
    const r = loadConfig(bad);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const names = r.problems.map((p) => p.split(' ')[0]);
    expect(names.sort()).toEqual(
      [
        'CLOUDKNOX_ADMINS',
        'CLOUDKNOX_API_URL',
        'LOG_LEVEL',
        'PORT',
        'REDIS_URL',
        'ROTATION_APPROVAL',
        'SERVICENOW_PASSWORD',
        'SLACK_BOT_TOKEN',
      ].sort(),
    );
    const all = r.problems.join('\n');
    expect(all).not.toMatch(/canary|ada\.admin/);
    expect(all).toContain('SERVICENOW_PASSWORD is required');
    expect(all).toContain('CLOUDKNOX_ADMINS must be comma-separated Slack user IDs');
  });

  it('lists every problem in one run, including the rules between variables', () => {
    const r = loadConfig({ REDIS_URL: 'redis://:canarypw@127.0.0.1:99999999' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const names = r.problems.map((p) => p.split(' ')[0]);
    expect(names).toContain('SLACK_SIGNING_SECRET');
    expect(names).toContain('CLOUDKNOX_APPROVERS');
    expect(names).toContain('REDIS_URL');
    expect(r.problems.join('\n')).not.toContain('canarypw');
  });

  it('needs a signing secret in HTTP mode but not in Socket Mode', () => {
    const { SLACK_SIGNING_SECRET: _s, ...noSecret } = valid;
    const http = loadConfig(noSecret);
    expect(http.ok).toBe(false);
    if (!http.ok) expect(http.problems[0]).toMatch(/^SLACK_SIGNING_SECRET is required in HTTP mode/);
    expect(loadConfig({ ...noSecret, SLACK_APP_TOKEN: 'xapp-1-abc' }).ok).toBe(true);
  });

  it('needs approvers while approval is required, not when it is off', () => {
    const { CLOUDKNOX_APPROVERS: _a, ...noApprovers } = valid;
    const r = loadConfig(noApprovers);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toEqual([expect.stringMatching(/^CLOUDKNOX_APPROVERS is required/)]);
    expect(loadConfig({ ...noApprovers, ROTATION_APPROVAL: 'off' }).ok).toBe(true);
  });
});
