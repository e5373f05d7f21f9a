import { once } from 'node:events';
import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import {
  ADMIN_USER_ID,
  APPROVER_USER_ID,
  SECOPS_CHANNEL_ID,
  startSlackEmulator,
  type SlackEmulator,
} from '../../src/sim/slack/index.js';
import { quietLogger } from '../../src/sim/slack/quiet-logger.js';

const SECRET = 'socket-test-signing-secret';
const BOT_TOKEN = 'xoxb-socket-test';
const APP_TOKEN = 'xapp-1-A0CLOUDKNX-1-socket-test';

type Msg = Record<string, unknown> & { type?: string; envelope_id?: string };

/** A bare Socket Mode app: a `ws` client that keeps every message it gets (no emulator code). */
class RawApp {
  readonly inbox: Msg[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.inbox.push(JSON.parse(String(data)) as Msg);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async connect(url: string): Promise<RawApp> {
    const ws = new WebSocket(url);
    const app = new RawApp(ws);
    await once(ws, 'open');
    return app;
  }

  /** The first message, received or to come, that matches. */
  async next(predicate: (m: Msg) => boolean, timeoutMs = 5000): Promise<Msg> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.inbox.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching message; got ${JSON.stringify(this.inbox)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  ack(envelopeId: string, payload?: unknown): void {
    this.ws.send(
      JSON.stringify(
        payload === undefined ? { envelope_id: envelopeId } : { envelope_id: envelopeId, payload },
      ),
    );
  }

  /** Acks every envelope of this type with what `reply` returns for it. */
  autoAck(reply: (envelope: Msg) => unknown): void {
    this.ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Msg;
      if (m.envelope_id) this.ack(m.envelope_id, reply(m));
    });
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = once(this.ws, 'close');
    this.ws.close();
    await closed;
  }
}

describe('Slack emulator: Socket Mode', () => {
  let emu: SlackEmulator;
  const apps: RawApp[] = [];
  const webClient = (token: string) =>
    new WebClient(token, { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 }, logger: quietLogger() });
  const openLink = async () => (await webClient(APP_TOKEN).apps.connections.open()).url!;
  const connect = async () => {
    const app = await RawApp.connect(await openLink());
    apps.push(app);
    await app.next((m) => m.type === 'hello');
    return app;
  };

  beforeEach(async () => {
    emu = await startSlackEmulator({ signingSecret: SECRET, botToken: BOT_TOKEN, appToken: APP_TOKEN });
    emu.driver.transport = 'socket';
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
    await emu.close();
  });

  it('apps.connections.open takes only the app-level token and returns a single-use link', async () => {
    const url = await openLink();
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[\w-]+$/);
    for (const token of ['xapp-1-A0CLOUDKNX-1-wrong', BOT_TOKEN]) {
      await expect(webClient(token).apps.connections.open()).rejects.toMatchObject({
        data: { ok: false, error: 'invalid_auth' },
      });
    }
    const noToken = await fetch(`${emu.apiUrl}apps.connections.open`, { method: 'POST' });
    expect(await noToken.json()).toEqual({ ok: false, error: 'not_authed' });

    const first = await RawApp.connect(url);
    apps.push(first);
    const reused = new WebSocket(url);
    const [err] = (await once(reused, 'error')) as [Error];
    expect(err.message).toContain('401');
  });

  it('says hello with the app id and how many connections are open', async () => {
    const one = await connect();
    expect(one.inbox[0]).toMatchObject({
      type: 'hello',
      num_connections: 1,
      connection_info: { app_id: 'A0CLOUDKNX' },
      debug_info: { host: expect.any(String), approximate_connection_time: expect.any(Number) },
    });
    const two = await connect();
    expect(two.inbox[0]).toMatchObject({ type: 'hello', num_connections: 2 });
  });

  it('answers pings', async () => {
    const app = await connect();
    const pong = once(app.ws, 'pong');
    app.ws.ping('are you there');
    const [data] = (await pong) as [Buffer];
    expect(data.toString()).toBe('are you there');
  });

  it('delivers a slash command as an envelope with the form fields, and shows the ack text to the user', async () => {
    const app = await connect();
    app.autoAck(() => ({ text: 'Usage: /cloudknox help' }));
    const res = await emu.driver.slashCommand({
      userId: ADMIN_USER_ID,
      channelId: SECOPS_CHANNEL_ID,
      text: 'help <me> & @alex.approver',
    });
    const envelope = await app.next((m) => m.type === 'slash_commands');
    expect(envelope).toEqual({
      envelope_id: expect.any(String),
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: {
        token: expect.any(String),
        team_id: 'T0CLOUDKNX',
        team_domain: 'contoso-secops',
        channel_id: SECOPS_CHANNEL_ID,
        channel_name: 'secops',
        user_id: ADMIN_USER_ID,
        user_name: 'ada.admin',
        command: '/cloudknox',
        text: 'help &lt;me&gt; &amp; <@U0APPROV01|alex.approver>',
        api_app_id: 'A0CLOUDKNX',
        is_enterprise_install: 'false',
        response_url: res.responseUrl,
        trigger_id: res.triggerId,
      },
    });
    expect(res).toMatchObject({ status: 200, timedOut: false, json: { text: 'Usage: /cloudknox help' } });
    expect(emu.messages(SECOPS_CHANNEL_ID)).toMatchObject([
      { text: 'Usage: /cloudknox help', ephemeralTo: ADMIN_USER_ID, origin: 'ack' },
    ]);
    expect(emu.messages(SECOPS_CHANNEL_ID, { visibleTo: APPROVER_USER_ID })).toEqual([]);
  });

  it('an empty ack shows nothing; an in_channel ack payload posts the command and the answer', async () => {
    const app = await connect();
    const replies: unknown[] = [undefined, { response_type: 'in_channel', text: 'Testing connection…' }];
    app.autoAck(() => replies.shift());
    await emu.driver.slashCommand({ userId: ADMIN_USER_ID, channelId: SECOPS_CHANNEL_ID, text: 'quiet' });
    expect(emu.messages(SECOPS_CHANNEL_ID)).toEqual([]);
    await emu.driver.slashCommand({
      userId: ADMIN_USER_ID,
      channelId: SECOPS_CHANNEL_ID,
      text: 'servicenow test',
    });
    const seen = emu.messages(SECOPS_CHANNEL_ID, { visibleTo: APPROVER_USER_ID });
    expect(seen.map((m) => [m.origin, m.text])).toEqual([
      ['user', '/cloudknox servicenow test'],
      ['ack', 'Testing connection…'],
    ]);
  });

  it('delivers block_actions and view_submission as interactive envelopes and applies response_action', async () => {
    const app = await connect();
    const client = webClient(BOT_TOKEN);
    const posted = await client.chat.postMessage({
      channel: SECOPS_CHANNEL_ID,
      text: 'Save?',
      blocks: [
        {
          type: 'actions',
          block_id: 'b',
          elements: [
            { type: 'button', action_id: 'save', text: { type: 'plain_text', text: 'Save' }, value: 'v1' },
          ],
        },
      ],
    });
    app.autoAck((m) => {
      const payload = m.payload as { type: string };
      if (payload.type === 'view_submission')
        return { response_action: 'errors', errors: { otp_block: 'Wrong code, 4 attempts left' } };
      return undefined;
    });
    const click = await emu.driver.blockAction({
      userId: ADMIN_USER_ID,
      channelId: SECOPS_CHANNEL_ID,
      messageTs: posted.ts!,
      actionId: 'save',
    });
    expect(click).toMatchObject({ status: 200, timedOut: false });
    expect(await app.next((m) => m.type === 'interactive')).toMatchObject({
      accepts_response_payload: true,
      payload: {
        type: 'block_actions',
        actions: [{ action_id: 'save', value: 'v1' }],
        trigger_id: click.triggerId,
      },
    });

    const opened = await client.views.open({
      trigger_id: emu.mintTrigger(ADMIN_USER_ID),
      view: {
        type: 'modal',
        callback_id: 'otp',
        title: { type: 'plain_text', text: 'Validate OTP' },
        submit: { type: 'plain_text', text: 'Verify' },
        blocks: [
          {
            type: 'input',
            block_id: 'otp_block',
            label: { type: 'plain_text', text: 'Enter OTP' },
            element: { type: 'plain_text_input', action_id: 'otp_input' },
          },
        ],
      },
    });
    const viewId = opened.view!.id!;
    const sub = await emu.driver.viewSubmission({
      userId: ADMIN_USER_ID,
      viewId,
      values: { otp_block: '123456' },
    });
    expect(sub).toMatchObject({ status: 200, timedOut: false });
    expect(emu.viewErrors(viewId)).toEqual({ otp_block: 'Wrong code, 4 attempts left' });
    expect(emu.view(viewId)?.open).toBe(true);
  });

  it('an envelope not acked within 3 s times out as over HTTP; a late ack changes nothing', async () => {
    const app = await connect();
    const res = await emu.driver.slashCommand({
      userId: ADMIN_USER_ID,
      channelId: SECOPS_CHANNEL_ID,
      text: 'help',
    });
    expect(res).toMatchObject({ status: 0, timedOut: true });
    expect(emu.messages(SECOPS_CHANNEL_ID)).toMatchObject([
      {
        text: '/cloudknox failed with the error "operation_timeout"',
        ephemeralTo: ADMIN_USER_ID,
        origin: 'slack',
      },
    ]);
    const envelope = await app.next((m) => m.type === 'slash_commands');
    const acked = once(emu.socketMode.events, 'ack');
    app.ack(envelope.envelope_id!, { text: 'too late' });
    await acked;
    expect(emu.socketMode.envelopes[0]?.ack?.late).toBe(true);
    expect(emu.messages(SECOPS_CHANNEL_ID).map((m) => m.text)).toEqual([
      '/cloudknox failed with the error "operation_timeout"',
    ]);
  });

  it('with no app connected, the user sees dispatch_failed', async () => {
    const res = await emu.driver.slashCommand({
      userId: ADMIN_USER_ID,
      channelId: SECOPS_CHANNEL_ID,
      text: 'help',
    });
    expect(res).toMatchObject({ status: 0, timedOut: false, error: 'no_socket_mode_connection' });
    expect(emu.messages(SECOPS_CHANNEL_ID)[0]?.text).toBe(
      '/cloudknox failed with the error "dispatch_failed"',
    );
  });

  it('asks the app to reconnect; envelopes then go to the new connection', async () => {
    const old = await connect();
    old.autoAck(() => ({ text: 'from the old connection' }));
    emu.socketMode.disconnect('refresh_requested');
    expect(await old.next((m) => m.type === 'disconnect')).toMatchObject({
      type: 'disconnect',
      reason: 'refresh_requested',
      debug_info: { host: expect.any(String) },
    });
    const fresh = await connect();
    fresh.autoAck(() => ({ text: 'from the new connection' }));
    await old.close();
    await emu.driver.slashCommand({ userId: ADMIN_USER_ID, channelId: SECOPS_CHANNEL_ID, text: 'help' });
    expect(emu.messages(SECOPS_CHANNEL_ID).map((m) => m.text)).toEqual(['from the new connection']);
  });

  it('closes a connection itself when the app ignores the disconnect', async () => {
    const app = await connect();
    const closed = once(app.ws, 'close');
    emu.socketMode.disconnect('warning', { closeAfterMs: 100 });
    await closed;
    await vi.waitFor(() => expect(emu.socketMode.openConnections()).toEqual([]));
  });
});
