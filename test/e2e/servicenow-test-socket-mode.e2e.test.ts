import { afterEach, describe, expect, it } from 'vitest';
import { SLACK_SEED } from '../../src/sim/slack/index.js';
import { startWorld, type World } from '../../src/sim/world.js';

const { admin, approver } = SLACK_SEED.users;
const { secops } = SLACK_SEED.channels;

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The same bot, reached by Slack over its request URL or over Socket Mode (acceptance item 4). */
describe.each(['http', 'socket'] as const)('the slash command flow over %s', (transport) => {
  const start = () => startWorld({ socketMode: transport === 'socket' });

  it('/cloudknox servicenow test: acked, then one masked result in the channel with Save Connection', async () => {
    world = await start();
    expect(world.bot.bot.mode).toBe(transport);
    const ack = await world.slack.driver.slashCommand({
      userId: admin,
      channelId: secops,
      text: 'servicenow test',
    });
    expect(ack).toMatchObject({ status: 200, timedOut: false });
    // It really went the way this block says: as an envelope, or as a signed POST.
    const envelopes = world.slack.socketMode.envelopes.map((e) => e.envelope.type);
    expect(envelopes).toEqual(transport === 'socket' ? ['slash_commands'] : []);
    const result = await world.slack.waitForMessage(
      secops,
      (m) => m.origin === 'api' && JSON.stringify(m).includes('Connection successful, please Save'),
      10_000,
    );
    expect(result.ephemeralTo).toBeUndefined();
    const shown = JSON.stringify(result);
    expect(shown).toContain('••••BHCN');
    expect(shown).toContain('servicenow_save_connection');
    expect(shown).not.toContain(world.sims.seed.cloudknox.accessKey);
    // The user who typed it saw the ack; nobody else did.
    const seenByAdmin = world.slack.messages(secops, { visibleTo: admin }).map((m) => m.text);
    expect(seenByAdmin).toContain(':hourglass_flowing_sand: Testing the ServiceNow connection…');
    const seenByApprover = world.slack.messages(secops, { visibleTo: approver }).map((m) => m.text);
    expect(seenByApprover).not.toContain(':hourglass_flowing_sand: Testing the ServiceNow connection…');
  });

  it('/cloudknox help is answered to the user only', async () => {
    world = await start();
    const ack = await world.slack.driver.slashCommand({ userId: admin, channelId: secops, text: 'help' });
    expect(ack).toMatchObject({ status: 200, timedOut: false });
    const [help, ...rest] = world.slack.messages(secops);
    expect(rest).toEqual([]);
    expect(help).toMatchObject({ ephemeralTo: admin, origin: 'ack' });
    expect(help!.text).toContain('servicenow test');
    expect(world.slack.messages(secops, { visibleTo: approver })).toEqual([]);
  });
});

describe('Socket Mode', () => {
  it('serves /healthz and /readyz on PORT, and no /slack/events to post unsigned events to', async () => {
    world = await startWorld({ socketMode: true });
    expect(world.rawEnv.SLACK_SIGNING_SECRET).toBeUndefined();
    const base = `http://127.0.0.1:${world.bot.port}`;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { slack_socket: 'ok' } });
    const events = await fetch(`${base}/slack/events`, { method: 'POST', body: 'command=%2Fcloudknox' });
    expect(events.status).toBe(404);
  });

  it('logs the mode at start, and stop closes the socket and the HTTP port', async () => {
    world = await startWorld({ socketMode: true, captureLogs: true });
    const started = world.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.event === 'started');
    expect(started).toMatchObject({ mode: 'socket', port: world.bot.port });
    expect(world.slack.socketMode.openConnections()).toHaveLength(1);

    await world.bot.stop();
    await expect.poll(() => world!.slack.socketMode.openConnections()).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${world.bot.port}/healthz`)).rejects.toThrow();
  });

  it('reconnects when Slack asks it to refresh the connection, not ready in between, then answers again', async () => {
    world = await startWorld({ socketMode: true });
    const { socketMode } = world.slack;
    const readyz = async () => (await fetch(`http://127.0.0.1:${world!.bot.port}/readyz`)).status;
    socketMode.disconnect('refresh_requested');
    // Between the sockets the replica cannot hear Slack, and says so.
    await expect.poll(readyz).toBe(503);
    // Slack's own client waits a moment before it reconnects.
    await expect.poll(() => socketMode.connections.length, { timeout: 15_000, interval: 100 }).toBe(2);
    await socketMode.waitForOpen(1);
    expect(socketMode.connections[0]?.open).toBe(false);
    await expect.poll(readyz).toBe(200);
    const ack = await world.slack.driver.slashCommand({ userId: admin, channelId: secops, text: 'help' });
    expect(ack).toMatchObject({ status: 200, timedOut: false });
    expect(world.slack.messages(secops)[0]?.text).toContain('servicenow test');
  });

  it('a wrong app-level token stops start-up with a message naming SLACK_APP_TOKEN, not its value', async () => {
    const wrong = 'xapp-1-A0CLOUDKNX-1-not-the-right-token';
    const failed = await startWorld({ socketMode: true, env: { SLACK_APP_TOKEN: wrong } }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(failed?.name).toBe('StartupError');
    expect(failed?.message).toContain('SLACK_APP_TOKEN');
    expect(failed?.message).toContain('invalid_auth');
    expect(failed?.message).not.toContain(wrong);
  });
});
