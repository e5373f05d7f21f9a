import { afterEach, describe, expect, it } from 'vitest';
import { SLACK_SEED } from '../../src/sim/slack/index.js';
import { startWorld, type World } from '../../src/sim/world.js';

const { admin } = SLACK_SEED.users;
const { secops } = SLACK_SEED.channels;

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('/cloudknox servicenow test, end to end', () => {
  it('acks, runs the three checks and posts one masked result with Save Connection', async () => {
    world = await startWorld();
    const ack = await world.slack.driver.slashCommand({
      userId: admin,
      channelId: secops,
      text: 'servicenow test',
    });
    expect(ack.status).toBe(200);
    expect(ack.timedOut).toBe(false);
    const post = await world.slack.waitFor((c) => c.method === 'chat.postMessage', 10_000);
    const body = JSON.stringify(post.args);
    expect(body).toContain('CloudKnox → ServiceNow');
    expect(body).toContain('ServiceNow integration user');
    expect(body).toContain('ServiceNow → CloudKnox');
    expect(body).toContain('Connection successful, please Save');
    expect(body).toContain('••••BHCN');
    expect(body).not.toContain(world.sims.seed.cloudknox.accessKey);
  });
});

describe('request logging', () => {
  it('tags every log line of one command with one request id, user and team, and a new id per command', async () => {
    world = await startWorld();
    const w = world;
    const run = async () => {
      const from = w.logs.length;
      const posted = w.slack.calls.filter((c) => c.method === 'chat.postMessage').length;
      await w.slack.driver.slashCommand({ userId: admin, channelId: secops, text: 'servicenow test' });
      await w.slack.waitFor(
        () => w.slack.calls.filter((c) => c.method === 'chat.postMessage').length > posted,
        10_000,
      );
      await new Promise((r) => setTimeout(r, 100));
      return w.logs
        .slice(from)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.requestId !== undefined);
    };
    const first = await run();
    const second = await run();
    expect(first.length).toBeGreaterThanOrEqual(2);
    expect(first.map((l) => l.msg)).toContain('command received');
    expect(new Set(first.map((l) => l.requestId)).size).toBe(1);
    expect(first[0]).toMatchObject({ user: admin, command: '/cloudknox' });
    expect(typeof first[0]!.team).toBe('string');
    expect(new Set(second.map((l) => l.requestId)).size).toBe(1);
    expect(second[0]!.requestId).not.toBe(first[0]!.requestId);
  });
});
