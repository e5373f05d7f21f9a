import { afterEach, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { SLACK_SEED } from '../../src/sim/slack/index.js';
import { startWorld, type World } from '../../src/sim/world.js';
import { buttons, eventually, visibleText } from '../support/slack-text.js';

/** Issue 3 acceptance 1 and 5: show, keys, Save Connection, refusals, and the response_url fallback. */
const { admin, approver, outsider } = SLACK_SEED.users;
const { secops, random } = SLACK_SEED.channels;

let world: World;
afterEach(async () => world?.close());

const ephemeralFor = (w: World, user: string, channel: string = secops) =>
  w.slack.messages(channel, { visibleTo: user }).filter((m) => m.ephemeralTo === user);
const channelMessages = (w: World, channel: string = secops) =>
  w.slack.messages(channel).filter((m) => !m.ephemeralTo && m.fromBot);

async function command(w: World, userId: string, text: string, channelId: string = secops) {
  const res = await w.slack.driver.slashCommand({ userId, channelId, text });
  expect(res.status).toBe(200);
  return res;
}

describe('the Integration tab in Slack', () => {
  it('servicenow show: every field, masked, only to the person who asked', async () => {
    world = await startWorld();
    await command(world, approver, 'servicenow show');
    const card = await eventually(() =>
      ephemeralFor(world, approver).find((m) => visibleText(m).includes('Endpoint for ServiceNow')),
    );
    const text = visibleText(card);
    for (const label of [
      'Endpoint for ServiceNow',
      'Username',
      'Password',
      'API End Point',
      'Created By',
      'Created On',
      'Service Account ID',
      'Access Key',
      'Secret Key',
    ]) {
      expect(text).toContain(`*${label}*`);
    }
    expect(text).toContain('••••BHCN');
    expect(text).toContain('cloudknox.endpoint');
    expect(text).toContain(world.sims.cloudknox.url);
    expect(text).toMatch(/\*Secret Key\*\n_hidden_/);
    expect(text).toMatch(/\*Password\*\n_hidden_/);
    expect(text).not.toContain(world.sims.seed.cloudknox.accessKey);
    expect(text).not.toContain(world.sims.seed.cloudknox.secretKey);
    expect(channelMessages(world)).toEqual([]);
  });

  it('keys show: active keys masked, with age', async () => {
    world = await startWorld();
    await command(world, admin, 'keys show');
    const card = await eventually(() =>
      ephemeralFor(world, admin).find((m) => visibleText(m).includes('CloudKnox access keys')),
    );
    expect(visibleText(card)).toMatch(/••••BHCN.*\d+ days old/);
    expect(visibleText(card)).toContain('1 active');
  });

  it('a CloudKnox failure while showing is a specific ephemeral answer', async () => {
    world = await startWorld({ env: { CLOUDKNOX_SECRET_KEY: 'wrong' } });
    await command(world, admin, 'servicenow show');
    const reply = await eventually(() =>
      ephemeralFor(world, admin).find((m) => visibleText(m).includes("Couldn't read")),
    );
    expect(visibleText(reply)).toContain('Check CLOUDKNOX_SERVICE_ACCOUNT_ID');
  });

  it('save without a recent good test is refused with the reason', async () => {
    world = await startWorld();
    await command(world, admin, 'servicenow save');
    const reply = await eventually(() =>
      ephemeralFor(world, admin).find((m) => visibleText(m).includes('Not saved')),
    );
    expect(visibleText(reply)).toContain('needs a successful Test Connection in the last 15 minutes');
    expect(world.sims.cloudknox.integration()?.savedOn ?? null).toBeNull();
  });

  it('test, then Save Connection: CloudKnox saves and the message loses its button and says who saved', async () => {
    world = await startWorld();
    await command(world, admin, 'servicenow test');
    const result = await eventually(() =>
      channelMessages(world).find((m) => buttons(m).includes(ACTION_IDS.saveConnection)),
    );
    // An approver who is not an admin may not save.
    await world.slack.driver.blockAction({
      userId: 'U0APPROV02',
      channelId: secops,
      messageTs: result.ts,
      actionId: ACTION_IDS.saveConnection,
    });
    await eventually(() =>
      ephemeralFor(world, 'U0APPROV02').find((m) => visibleText(m).includes('Only CloudKnox admins')),
    );
    expect(world.sims.cloudknox.integration()?.savedOn ?? null).toBeNull();

    const click = await world.slack.driver.blockAction({
      userId: admin,
      channelId: secops,
      messageTs: result.ts,
      actionId: ACTION_IDS.saveConnection,
    });
    expect(click.status).toBe(200);
    const updated = await eventually(() => {
      const m = world.slack.messages(secops).find((x) => x.ts === result.ts);
      return m && visibleText(m).includes('Saved by') ? m : undefined;
    });
    expect(buttons(updated)).toEqual([]);
    expect(visibleText(updated)).toContain(`Saved by <@${admin}>`);
    expect(world.sims.cloudknox.integration()?.savedOn).toEqual(expect.any(String));
  });

  it('an outsider running test is refused ephemerally, naming who may', async () => {
    world = await startWorld();
    const res = await command(world, outsider, 'servicenow test');
    expect(res.body).toContain('Only CloudKnox admins can run');
    expect(res.body).toContain(`<@${admin}>`);
    expect(channelMessages(world)).toEqual([]);
    expect(world.sims.cloudknox.requests.filter((r) => r.endpoint !== 'authenticate')).toEqual([]);
  });

  it('after 3 failed tests in 15 minutes, tests pause with the reason', async () => {
    world = await startWorld();
    world.sims.servicenow.setUser('cloudknox.endpoint', { lockedOut: true });
    for (let i = 0; i < 3; i++) {
      const before = channelMessages(world).length;
      await command(world, admin, 'servicenow test');
      await eventually(() => (channelMessages(world).length > before ? true : undefined));
    }
    const fourth = await command(world, admin, 'servicenow test');
    expect(fourth.body).toContain('Test Connection is paused until');
    expect(fourth.body).toContain('3 tests failed in the last 15 minutes');
    expect(fourth.body).toContain('lock users out');
    await new Promise((r) => setTimeout(r, 200));
    expect(channelMessages(world)).toHaveLength(3);
  });

  it('in a channel the bot is not in, the result comes through response_url with an invite hint', async () => {
    world = await startWorld();
    await command(world, admin, 'servicenow test', random);
    const result = await eventually(() =>
      world.slack
        .messages(random)
        .find(
          (m) => m.origin === 'response_url' && visibleText(m).includes('Connection successful, please Save'),
        ),
    );
    expect(result.ephemeralTo).toBeUndefined(); // in channel, for everyone
    const hint = await eventually(() =>
      ephemeralFor(world, admin, random).find((m) => visibleText(m).includes('/invite')),
    );
    expect(visibleText(hint)).toContain("I'm not a member of this channel");
    expect(
      world.slack.calls.some((c) => c.method === 'chat.postMessage' && c.response.error === 'not_in_channel'),
    ).toBe(true);
  });

  it('runs one test at a time: parallel tests are told one is running, so failures cannot pile up', async () => {
    world = await startWorld();
    world.sims.cloudknox.setIntegration({ password: 'wrong' }); // every test fails CloudKnox's login
    world.sims.servicenow.faults.latencyMs = 300;
    const acks = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(() =>
        world.slack.driver.slashCommand({ userId: admin, channelId: secops, text: 'servicenow test' }),
      ),
    );
    expect(acks.filter((a) => a.body.includes('already running'))).toHaveLength(5);
    await eventually(() => (channelMessages(world).length === 1 ? true : undefined));
    world.sims.servicenow.faults.latencyMs = 0;
    expect(world.sims.servicenow.getUser('cloudknox.endpoint')?.lockedOut).toBe(false);
  });

  it('a result Slack will not post still reaches the user, and a failed test still counts', async () => {
    world = await startWorld();
    world.sims.servicenow.setUser('cloudknox.endpoint', { lockedOut: true });
    for (let i = 0; i < 3; i++) {
      world.slack.failNext('chat.postMessage', 'restricted_action');
      const before = world.slack.responseUrlPosts.length;
      await command(world, admin, 'servicenow test');
      await eventually(() => (world.slack.responseUrlPosts.length >= before + 2 ? true : undefined));
    }
    const note = ephemeralFor(world, admin).find((m) => visibleText(m).includes('restricted_action'));
    expect(visibleText(note)).toContain('answered through the command');
    const fourth = await command(world, admin, 'servicenow test');
    expect(fourth.body).toContain('paused');
  });

  it('save is refused when a newer test failed', async () => {
    world = await startWorld();
    await command(world, admin, 'servicenow test');
    await eventually(() =>
      channelMessages(world).find((m) => buttons(m).includes(ACTION_IDS.saveConnection)),
    );
    world.sims.servicenow.setConfigRecord({ access_key: 'AKSTALEKEY00000WXYZ' });
    await command(world, admin, 'servicenow test');
    await eventually(() =>
      channelMessages(world).find((m) => visibleText(m).includes('Connection test failed')),
    );
    await command(world, admin, 'servicenow save');
    const reply = await eventually(() =>
      ephemeralFor(world, admin).find((m) => visibleText(m).includes('Not saved')),
    );
    expect(visibleText(reply)).toContain('needs a successful Test Connection');
    expect(world.sims.cloudknox.integration()?.savedOn ?? null).toBeNull();
  });

  it('upstream text in the saved message cannot ping the channel', async () => {
    world = await startWorld();
    await command(world, admin, 'servicenow test');
    await eventually(() =>
      channelMessages(world).find((m) => buttons(m).includes(ACTION_IDS.saveConnection)),
    );
    world.sims.cloudknox.setIntegration({ endpoint: `${world.sims.servicenow.url}/<!channel>` });
    await command(world, admin, 'servicenow save');
    const saved = await eventually(() =>
      channelMessages(world).find((m) => visibleText(m).includes('Connection saved')),
    );
    expect(visibleText(saved)).toContain('&lt;!channel&gt;');
    expect(visibleText(saved)).not.toContain('<!channel>');
  });
});

describe('a burst of servicenow show', () => {
  it('answers every command, each to the person who asked, from one CloudKnox read while it is in flight', async () => {
    world = await startWorld();
    world.sims.cloudknox.faults.latencyMs = 400;
    const before = world.sims.cloudknox.requests.filter((r) => r.endpoint === 'getIntegration').length;
    const users = [admin, approver, admin, approver, admin];
    const acks = await Promise.all(
      users.map((u) =>
        world.slack.driver.slashCommand({ userId: u, channelId: secops, text: 'servicenow show' }),
      ),
    );
    for (const ack of acks) expect(ack.status).toBe(200);
    await eventually(() => {
      const cards = [admin, approver].flatMap((u) =>
        ephemeralFor(world, u).filter((m) => visibleText(m).includes('Endpoint for ServiceNow')),
      );
      return cards.length === users.length ? cards : undefined;
    });
    const reads =
      world.sims.cloudknox.requests.filter((r) => r.endpoint === 'getIntegration').length - before;
    expect(reads).toBe(1);
    // A command after the read finished reads again: nothing is cached.
    world.sims.cloudknox.faults.latencyMs = 0;
    await command(world, admin, 'servicenow show');
    await eventually(() =>
      ephemeralFor(world, admin).filter((m) => visibleText(m).includes('Endpoint for ServiceNow')).length ===
      4
        ? true
        : undefined,
    );
    expect(world.sims.cloudknox.requests.filter((r) => r.endpoint === 'getIntegration').length - before).toBe(
      2,
    );
  });
});
