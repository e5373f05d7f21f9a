import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulators, type Simulators } from '../../src/sim/simulators.js';
import { SLACK_SEED, startSlackEmulator, type SlackEmulator } from '../../src/sim/slack/index.js';
import { slackSignature } from '../../src/sim/slack/signing.js';
import { spawnMain, startMain, type BotProcess } from './spawn-bot.js';

/**
 * Issue 2 acceptance 2 and 3: the bot as its own process (what `npm start` runs), against the Slack
 * emulator and the simulators over real HTTP with real signatures.
 */
const signingSecret = randomBytes(16).toString('hex');
const botToken = `xoxb-proc-${randomBytes(8).toString('hex')}`;
let sims: Simulators;
let slack: SlackEmulator;
let bot: BotProcess;

function env(): Record<string, string> {
  return {
    ...sims.env,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_BOT_TOKEN: botToken,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    CLOUDKNOX_ADMINS: SLACK_SEED.users.admin,
    CLOUDKNOX_APPROVERS: SLACK_SEED.groups.approvers,
  };
}

beforeAll(async () => {
  sims = await startSimulators();
  slack = await startSlackEmulator({ signingSecret, botToken });
  bot = await startMain(env());
  slack.appUrl = `http://127.0.0.1:${bot.port}/slack/events`;
}, 30_000);

afterAll(async () => {
  await bot?.stop();
  await Promise.all([sims?.close(), slack?.close()]);
});

const posts = () => slack.calls.filter((c) => c.method === 'chat.postMessage').length;

describe('npm start against the emulator and simulators', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`http://127.0.0.1:${bot.port}/healthz`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${bot.port}/readyz`);
    expect(ready.status).toBe(200);
  });

  it("acks a signed slash command within Slack's 3 s while CloudKnox takes 5 s, then posts the result", async () => {
    sims.cloudknox.faults.latencyMs = 5000;
    try {
      const before = posts();
      const ack = await slack.driver.slashCommand({
        userId: SLACK_SEED.users.admin,
        channelId: SLACK_SEED.channels.secops,
        text: 'servicenow test',
      });
      expect(ack.timedOut).toBe(false); // the driver abandons the request after 3 s, as Slack does
      expect(ack.status).toBe(200);
      expect(posts()).toBe(before); // nothing posted yet: CloudKnox is still thinking
      const post = await slack.waitFor(
        (c) =>
          c.method === 'chat.postMessage' &&
          JSON.stringify(c.args).includes('Connection successful, please Save'),
        12_000,
      );
      expect(post.args.channel).toBe(SLACK_SEED.channels.secops);
    } finally {
      sims.cloudknox.faults.latencyMs = 0;
    }
  }, 20_000);

  it.each([
    ['a wrong signature', { secret: 'not-the-signing-secret' }],
    ['a timestamp older than 5 minutes', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }],
    ['missing signature headers', { omitHeaders: true }],
  ])('refuses %s with 401 and posts nothing', async (_name, opts) => {
    const before = slack.calls.length;
    const body = new URLSearchParams({
      command: '/cloudknox',
      text: 'servicenow test',
      user_id: SLACK_SEED.users.admin,
      channel_id: SLACK_SEED.channels.secops,
      team_id: SLACK_SEED.team.id,
      response_url: `${slack.url}/response/none`,
      trigger_id: '1.2.3',
    }).toString();
    const res = await slack.driver.signedPost(body, opts);
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.calls.slice(before).filter((c) => c.method.startsWith('chat.'))).toEqual([]);
  });

  it('accepts a body signed correctly by hand (the scheme, not just the driver)', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const body = new URLSearchParams({
      command: '/cloudknox',
      text: 'help',
      user_id: SLACK_SEED.users.admin,
      channel_id: SLACK_SEED.channels.secops,
      team_id: SLACK_SEED.team.id,
      response_url: `${slack.url}/response/none`,
      trigger_id: '1.2.3',
    }).toString();
    const res = await fetch(`http://127.0.0.1:${bot.port}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': slackSignature(signingSecret, ts, body),
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('servicenow test');
  });

  it('never writes a secret to its log', () => {
    const log = bot.lines.join('\n') + bot.stderr.join('\n');
    for (const secret of [
      signingSecret,
      botToken,
      sims.env.CLOUDKNOX_SECRET_KEY!,
      sims.env.SERVICENOW_PASSWORD!,
    ]) {
      expect(log).not.toContain(secret);
    }
    expect(bot.lines.length).toBeGreaterThan(0);
  });
});

describe('SIGTERM', () => {
  it('stops taking requests, lets an acked test finish and post its result, then exits 0', async () => {
    const replica = await startMain(env());
    slack.appUrl = `http://127.0.0.1:${replica.port}/slack/events`;
    sims.cloudknox.faults.latencyMs = 1500;
    try {
      const before = slack.calls.filter((c) => c.method === 'chat.postMessage').length;
      const ack = await slack.driver.slashCommand({
        userId: SLACK_SEED.users.admin,
        channelId: SLACK_SEED.channels.secops,
        text: 'servicenow test',
      });
      expect(ack.status).toBe(200);
      replica.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      // No new requests once stopping.
      const refused = await fetch(`http://127.0.0.1:${replica.port}/healthz`).then(
        () => false,
        () => true,
      );
      expect(refused).toBe(true);
      expect(await replica.exited).toBe(0);
      expect(slack.calls.filter((c) => c.method === 'chat.postMessage').length).toBe(before + 1);
      expect(replica.lines.some((l) => l.includes('"event":"stopped"'))).toBe(true);
    } finally {
      sims.cloudknox.faults.latencyMs = 0;
      slack.appUrl = `http://127.0.0.1:${bot.port}/slack/events`;
    }
  }, 30_000);
});

describe('SIGTERM with a client that never finishes its request', () => {
  it('still stops cleanly: the stuck connection is cut, "stopped" is logged, exit 0', async () => {
    const replica = await startMain(env());
    const stuck = connect(replica.port, '127.0.0.1');
    const cut = new Promise<void>((resolve) => stuck.on('close', () => resolve()));
    stuck.on('error', () => undefined);
    // Headers and a tenth of the body promised, then nothing more.
    stuck.write(
      'POST /slack/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\n' +
        `x-slack-request-timestamp: ${Math.floor(Date.now() / 1000)}\r\nx-slack-signature: v0=${'0'.repeat(64)}\r\n` +
        'content-length: 100\r\n\r\ntext=help&',
    );
    await new Promise((r) => setTimeout(r, 200));
    replica.child.kill('SIGTERM');
    // Before: close() waited for the stuck request until main.ts forced exit 1 after 15 s.
    expect(await replica.exited).toBe(0);
    await cut;
    expect(replica.lines.some((l) => l.includes('"event":"stopped"'))).toBe(true);
  }, 30_000);
});

describe('npm start with bad configuration', () => {
  it('exits non-zero with one line per bad variable, naming it and never echoing a value', async () => {
    const p = spawnMain({
      SLACK_BOT_TOKEN: 'xoxp-canary-user-token-1',
      SLACK_SIGNING_SECRET: 'canary-signing-2',
      CLOUDKNOX_API_URL: 'ftp://canary-host-3',
      CLOUDKNOX_SERVICE_ACCOUNT_ID: 'sa',
      CLOUDKNOX_ACCESS_KEY: 'AK',
      CLOUDKNOX_SECRET_KEY: 'canary-secret-4',
      SERVICENOW_INSTANCE_URL: 'https://dev1.service-now.com',
      SERVICENOW_USERNAME: 'u',
      CLOUDKNOX_ADMINS: 'U0ADMIN001',
      ROTATION_APPROVAL: 'off',
      PORT: 'eighty',
    });
    const code = await p.exited;
    expect(code).not.toBe(0);
    expect(p.stderr).toEqual([
      'config error: SLACK_BOT_TOKEN must be a bot token starting with xoxb-',
      'config error: PORT must be a whole number from 0 to 65535',
      'config error: CLOUDKNOX_API_URL must be an http(s) URL (the CloudKnox API End Point)',
      "config error: SERVICENOW_PASSWORD is required (that ServiceNow user's password)",
    ]);
    expect(p.stderr.join('\n') + p.lines.join('\n')).not.toMatch(/canary|eighty/);
  });
});
