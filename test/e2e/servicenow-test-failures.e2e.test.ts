import { afterEach, describe, expect, it } from 'vitest';
import { SLACK_SEED } from '../../src/sim/slack/index.js';
import { startWorld, type World } from '../../src/sim/world.js';

/**
 * DESIGN §4.1 / issue 2 acceptance 4: every failure is a specific line in the one result message,
 * never a stack trace, and the bot keeps serving afterwards.
 */
const { admin } = SLACK_SEED.users;
const { secops } = SLACK_SEED.channels;

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

interface Case {
  env?: Record<string, string>;
  arrange?: (w: World) => void;
  /** Each string must appear in the line of the named check. */
  expect: Partial<Record<'toServiceNow' | 'user' | 'toCloudKnox', string[]>>;
}

const CASES: Record<string, Case> = {
  'CloudKnox rejects the service account (401)': {
    env: { CLOUDKNOX_SECRET_KEY: 'not-the-secret' },
    expect: {
      toServiceNow: ['Invalid service account credentials', 'Check CLOUDKNOX_SERVICE_ACCOUNT_ID'],
      toCloudKnox: ['same problem as above'],
    },
  },
  'CloudKnox unreachable': {
    env: { CLOUDKNOX_API_URL: 'http://127.0.0.1:9' },
    expect: { toServiceNow: ['CloudKnox could not be reached', 'Check CLOUDKNOX_API_URL'] },
  },
  'CloudKnox timeout': {
    arrange: (w) => (w.sims.cloudknox.faults.hang = {}),
    expect: { toServiceNow: ['CloudKnox did not answer within 1.0 s', 'Try again in a minute'] },
  },
  'malformed CloudKnox JSON': {
    arrange: (w) => (w.sims.cloudknox.faults.malformed = { match: '/integrations' }),
    expect: { toServiceNow: ['body that is not JSON', 'points at the API'] },
  },
  'ServiceNow 401': {
    env: { SERVICENOW_PASSWORD: 'not-the-password' },
    expect: {
      user: [
        'ServiceNow rejected the login of "cloudknox.chatops"',
        'User Not Authenticated',
        'did not retry',
      ],
      toCloudKnox: ['same problem as above'],
    },
  },
  'ServiceNow 403': {
    arrange: (w) => w.sims.servicenow.setUser('cloudknox.chatops', { roles: ['snc_internal'] }),
    expect: {
      user: ['HTTP 403', 'User Not Authorized', 'role'],
      toCloudKnox: ['x_cloudknox_permissions_config', 'HTTP 403'],
    },
  },
  'ServiceNow hibernating (HTML page)': {
    arrange: (w) => (w.sims.servicenow.hibernating = true),
    expect: { user: ['hibernating', 'developer portal'], toServiceNow: ['web page'] },
  },
  'cloudknox.endpoint missing': {
    arrange: (w) => w.sims.servicenow.removeUser('cloudknox.endpoint'),
    expect: { user: ['`cloudknox.endpoint` does not exist'], toServiceNow: ['SERVICENOW_AUTH_FAILED'] },
  },
  'cloudknox.endpoint locked out': {
    arrange: (w) => w.sims.servicenow.setUser('cloudknox.endpoint', { lockedOut: true }),
    expect: { user: ['`cloudknox.endpoint` is locked out', 'Unlock it'] },
  },
  'ServiceNow holds a stale access key': {
    arrange: (w) => w.sims.servicenow.setConfigRecord({ access_key: 'AKOLDOLDOLDOLDOLWXYZ' }),
    expect: { toCloudKnox: ['Access Key: ServiceNow has ••••WXYZ, CloudKnox has ••••BHCN', 'stale key'] },
  },
  'ServiceNow holds another API End Point': {
    arrange: (w) => w.sims.servicenow.setConfigRecord({ api_endpoint: 'https://old.cloudknox.example' }),
    expect: { toCloudKnox: ['API End Point: ServiceNow has `https://old.cloudknox.example`'] },
  },
};

const LINE = {
  toServiceNow: 'CloudKnox → ServiceNow',
  user: 'ServiceNow integration user',
  toCloudKnox: 'ServiceNow → CloudKnox',
};

describe('/cloudknox servicenow test when a neighbour fails', () => {
  it.each(Object.entries(CASES))('%s', async (_name, c) => {
    world = await startWorld({ env: c.env, tuning: { upstreamTimeoutMs: 1000 } });
    c.arrange?.(world);
    const ack = await world.slack.driver.slashCommand({
      userId: admin,
      channelId: secops,
      text: 'servicenow test',
    });
    expect(ack.status).toBe(200);
    const post = await world.slack.waitFor((call) => call.method === 'chat.postMessage', 8000);
    const sections = (post.args.blocks as Array<{ type: string; text?: { text: string } }>)
      .filter((b) => b.type === 'section')
      .map((b) => b.text?.text ?? '');
    for (const [check, needles] of Object.entries(c.expect)) {
      const line = sections.find((s) => s.includes(`*${LINE[check as keyof typeof LINE]}*`));
      expect(line, check).toMatch(/^:x:/);
      for (const needle of needles) expect(line, check).toContain(needle);
    }
    const all = JSON.stringify(post.args);
    expect(all).toContain('Connection test failed');
    expect(all).not.toContain('servicenow_save_connection');
    expect(all).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\.ts:\d+/); // no stack trace

    // The bot keeps serving: the next command is answered too.
    const next = await world.slack.driver.slashCommand({ userId: admin, channelId: secops, text: 'help' });
    expect(next.status).toBe(200);
    expect(next.body).toContain('servicenow test');
  });
});
