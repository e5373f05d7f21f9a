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
