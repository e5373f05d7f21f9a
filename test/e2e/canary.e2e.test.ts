import { afterEach, describe, expect, it } from 'vitest';
import { SLACK_SEED } from '../../src/sim/slack/index.js';
import { startWorld, type World } from '../../src/sim/world.js';
import { canarySeed, canarySlackSecrets, findLeaks, outboundTraffic, secretsOf } from '../support/canary.js';

/**
 * Issue 2 acceptance 6: whole flows, successful and failing, with unique secret values; none of them
 * may appear in any Slack request, ack, log line (at debug level) or error text.
 */
const { admin, outsider } = SLACK_SEED.users;
const { secops, random } = SLACK_SEED.channels;

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/**
 * Runs a command and waits for its answer: a posted result for an admin's test, a reply through
 * response_url for show/keys/save, nothing more for commands answered in the ack.
 */
async function run(
  w: World,
  acks: string[],
  userId: string,
  text: string,
  channelId: string = secops,
): Promise<void> {
  const before = { calls: w.slack.calls.length, responses: w.slack.responseUrlPosts.length };
  const res = await w.slack.driver.slashCommand({ userId, channelId, text });
  acks.push(res.body);
  if (userId !== admin || !/^(servicenow (test|show|save)|keys show)$/.test(text)) return;
  const deadline = Date.now() + 8000;
  while (Date.now() < deadline) {
    const posted = w.slack.calls
      .slice(before.calls)
      .some((c) => c.method === 'chat.postMessage' && c.response.ok);
    const responded = w.slack.responseUrlPosts.length > before.responses;
    if (text === 'servicenow test' ? posted || (responded && channelId !== secops) : responded || posted)
      return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no answer to ${text}`);
}

function canaryWorld() {
  return startWorld({
    seed: canarySeed(),
    ...canarySlackSecrets(),
    captureLogs: true,
    env: { LOG_LEVEL: 'debug' },
    tuning: { upstreamTimeoutMs: 800 },
  });
}

function expectNoLeaks(w: World, acks: string[]): void {
  const secrets = secretsOf(w);
  expect(Object.keys(secrets).some((k) => k.startsWith('CloudKnox access token'))).toBe(true);
  const places = outboundTraffic(w, acks);
  expect(places.logs?.length).toBeGreaterThan(1000); // debug logs were really captured
  expect(findLeaks(secrets, places)).toEqual([]);
}

describe('canary secrets never leave the bot', () => {
  it('through successful and failing connection tests, help, refusals and unknown commands', async () => {
    world = await canaryWorld();
    const w = world;
    const acks: string[] = [];
    await run(w, acks, admin, 'servicenow test'); // success
    await run(w, acks, admin, 'help');
    await run(w, acks, admin, 'servicenwo tset');
    await run(w, acks, outsider, 'servicenow test'); // refused
    // The integration user's password no longer matches: CloudKnox's own test fails against ServiceNow.
    w.sims.servicenow.setUser(w.sims.seed.servicenow.integrationUsername, { password: 'changed-elsewhere' });
    await run(w, acks, admin, 'servicenow test');
    // The bot's own ServiceNow password stops working (401), then the instance hibernates.
    w.sims.servicenow.setUser(w.sims.seed.servicenow.botUsername, { password: 'rotated-elsewhere' });
    await run(w, acks, admin, 'servicenow test');
    w.sims.servicenow.hibernating = true;
    await run(w, acks, admin, 'servicenow test');
    // A fourth test in 15 minutes is refused by the cool-down, in the ack.
    const paused = await w.slack.driver.slashCommand({
      userId: admin,
      channelId: secops,
      text: 'servicenow test',
    });
    acks.push(paused.body);
    expect(paused.body).toContain('paused');
    expect(w.slack.calls.filter((c) => c.method === 'chat.postMessage').length).toBeGreaterThanOrEqual(4);
    expectNoLeaks(w, acks);
  }, 60_000);

  it('through timeouts, re-authentication, the response_url fallback, show, keys and Save Connection', async () => {
    world = await canaryWorld();
    const w = world;
    const acks: string[] = [];
    w.sims.cloudknox.faults.hang = { times: 2 };
    await run(w, acks, admin, 'servicenow test');
    w.sims.cloudknox.expireTokens(); // forces a re-authentication on the next call
    await run(w, acks, admin, 'servicenow test', random); // bot not in #random: response_url fallback
    await run(w, acks, admin, 'servicenow show');
    await run(w, acks, admin, 'keys show');
    await run(w, acks, admin, 'servicenow test');
    const result = w.slack
      .messages(secops)
      .filter((m) => m.fromBot && !m.ephemeralTo)
      .at(-1)!;
    const click = await w.slack.driver.blockAction({
      userId: admin,
      channelId: secops,
      messageTs: result.ts,
      actionId: 'servicenow_save_connection',
    });
    acks.push(click.body);
    await run(w, acks, admin, 'servicenow save');
    await new Promise((r) => setTimeout(r, 300));
    expect(w.sims.cloudknox.integration()?.savedOn).toEqual(expect.any(String));
    expectNoLeaks(w, acks);
  }, 60_000);

  it('the hunter finds a planted leak (the test can fail)', () => {
    const hits = findLeaks(
      { secret: 'CANARY#abc' },
      { logs: 'x CANARY#abc y', acks: encodeURIComponent('CANARY#abc'), clean: 'CANARY' },
    );
    expect(hits).toEqual(['secret found in logs', 'secret found in acks']);
  });
});
