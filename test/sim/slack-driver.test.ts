import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN_USER_ID,
  APPROVER_USER_ID,
  MODAL_TROUBLE,
  OUTSIDER_USER_ID,
  RANDOM_CHANNEL_ID,
  SECOPS_CHANNEL_ID,
  startSlackEmulator,
  type SlackEmulator,
} from '../../src/sim/slack/index.js';
import { quietLogger } from '../../src/sim/slack/quiet-logger.js';

const SECRET = 'driver-test-signing-secret';
const TOKEN = 'xoxb-driver-token';

interface Received {
  headers: http.IncomingHttpHeaders;
  raw: string;
  form: URLSearchParams;
  payload?: Record<string, unknown>;
  verified: boolean;
}

type Reply = { status?: number; body?: string; contentType?: string; delayMs?: number };

/** A bare receiver that checks Slack's v0 signature on its own (no emulator code involved). */
async function startReceiver(secret: string) {
  const received: Received[] = [];
  let reply: (r: Received) => Reply = () => ({});
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const ts = req.headers['x-slack-request-timestamp'];
      const sig = req.headers['x-slack-signature'];
      let verified = false;
      if (
        typeof ts === 'string' &&
        typeof sig === 'string' &&
        Math.abs(Date.now() / 1000 - Number(ts)) < 300
      ) {
        const expected = 'v0=' + createHmac('sha256', secret).update(`v0:${ts}:${raw}`).digest('hex');
        verified = expected.length === sig.length && timingSafeEqual(Buffer.from(expected), Buffer.from(sig));
      }
      const form = new URLSearchParams(raw);
      const payloadField = form.get('payload');
      const r: Received = { headers: req.headers, raw, form, verified };
      if (payloadField) r.payload = JSON.parse(payloadField) as Record<string, unknown>;
      received.push(r);
      if (!verified) {
        res.writeHead(401).end('invalid signature');
        return;
      }
      const out = reply(r);
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(out.status ?? 200, out.contentType ? { 'content-type': out.contentType } : {});
        res.end(out.body ?? '');
      }, out.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    received,
    setReply: (fn: (r: Received) => Reply) => (reply = fn),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const json = (body: unknown): Reply => ({ body: JSON.stringify(body), contentType: 'application/json' });

describe('Slack emulator driver: signed requests as Slack sends them', () => {
  let emu: SlackEmulator;
  let app: Awaited<ReturnType<typeof startReceiver>>;
  let client: WebClient;

  beforeEach(async () => {
    app = await startReceiver(SECRET);
    emu = await startSlackEmulator({ signingSecret: SECRET, botToken: TOKEN, appUrl: app.url });
    client = new WebClient(TOKEN, {
      slackApiUrl: emu.apiUrl,
      retryConfig: { retries: 0 },
      logger: quietLogger(),
    });
  });
  afterEach(async () => {
    await emu.close();
    await app.close();
  });

  it('sends a slash command as signed form fields, escaping text as Slack does', async () => {
    const res = await emu.driver.slashCommand({
      userId: ADMIN_USER_ID,
      channelId: SECOPS_CHANNEL_ID,
      text: 'keys rotate <script> & @alex.approver in #secops, see https://x.io/?a=1&b=2.',
    });
    expect(res.status).toBe(200);
    const got = app.received[0]!;
    expect(got.verified).toBe(true);
    expect(got.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(got.headers['x-slack-signature']).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(Object.fromEntries(got.form)).toMatchObject({
      team_id: 'T0CLOUDKNX',
      team_domain: 'contoso-secops',
      channel_id: SECOPS_CHANNEL_ID,
      channel_name: 'secops',
      user_id: ADMIN_USER_ID,
      user_name: 'ada.admin',
      command: '/cloudknox',
      api_app_id: 'A0CLOUDKNX',
      is_enterprise_install: 'false',
      response_url: res.responseUrl,
      trigger_id: res.triggerId,
    });
    expect(got.form.get('token')).toBeTruthy();
    expect(got.form.get('text')).toBe(
      'keys rotate &lt;script&gt; &amp; <@U0APPROV01|alex.approver> in <#C0SECOPS01|secops>, see <https://x.io/?a=1&amp;b=2>.',
    );
  });

  it('sends rawText verbatim and leaves unknown names alone', async () => {
    await emu.driver.slashCommand({
      userId: ADMIN_USER_ID,
      channelId: SECOPS_CHANNEL_ID,
      rawText: 'a <b> & c',
    });
    await emu.driver.slashCommand({
      userId: ADMIN_USER_ID,
      channelId: SECOPS_CHANNEL_ID,
      text: '@nobody #nowhere',
    });
    expect(app.received[0]!.form.get('text')).toBe('a <b> & c');
    expect(app.received[1]!.form.get('text')).toBe('@nobody #nowhere');
  });

  it('applies a slash command ack: text is ephemeral, in_channel JSON echoes the command', async () => {
    app.setReply(() => ({ body: 'Usage: /cloudknox help' }));
    await emu.driver.slashCommand({ userId: ADMIN_USER_ID, channelId: SECOPS_CHANNEL_ID, text: 'help' });
    expect(emu.messages(SECOPS_CHANNEL_ID)).toMatchObject([
      { text: 'Usage: /cloudknox help', ephemeralTo: ADMIN_USER_ID, origin: 'ack' },
    ]);

    app.setReply(() => json({ response_type: 'in_channel', text: 'Testing connection…' }));
    await emu.driver.slashCommand({
      userId: ADMIN_USER_ID,
      channelId: SECOPS_CHANNEL_ID,
      text: 'servicenow test',
    });
    const visible = emu.messages(SECOPS_CHANNEL_ID, { visibleTo: APPROVER_USER_ID });
    expect(visible.map((m) => [m.origin, m.text])).toEqual([
      ['user', '/cloudknox servicenow test'],
      ['ack', 'Testing connection…'],
    ]);
  });

  it('marks an ack slower than ackTimeoutMs as timed out and shows Slack’s error', async () => {
    await emu.close();
    emu = await startSlackEmulator({
      signingSecret: SECRET,
      botToken: TOKEN,
      appUrl: app.url,
      ackTimeoutMs: 200,
    });
    app.setReply(() => ({ body: 'too late', delayMs: 1500 }));
    const res = await emu.driver.slashCommand({
      userId: ADMIN_USER_ID,
      channelId: SECOPS_CHANNEL_ID,
      text: 'help',
    });
    expect(res).toMatchObject({ status: 0, timedOut: true });
    expect(res.ackMs).toBeGreaterThanOrEqual(190);
    expect(res.ackMs).toBeLessThan(1200);
    expect(emu.messages(SECOPS_CHANNEL_ID)[0]).toMatchObject({
      text: '/cloudknox failed with the error "operation_timeout"',
      ephemeralTo: ADMIN_USER_ID,
      origin: 'slack',
    });
  });

  it('lets tests send wrong secrets, stale timestamps and missing headers', async () => {
    const body = 'command=%2Fcloudknox&text=help';
    expect((await emu.driver.signedPost(body)).status).toBe(200);
    expect((await emu.driver.signedPost(body, { secret: 'wrong' })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 600;
    expect((await emu.driver.signedPost(body, { timestamp: stale })).status).toBe(401);
    expect((await emu.driver.signedPost(body, { omitHeaders: true })).status).toBe(401);
    expect((await emu.driver.signedPost(body, { signature: 'v0=deadbeef' })).status).toBe(401);
    expect(app.received.map((r) => r.verified)).toEqual([true, false, false, false, false]);
  });

  it('reports an unreachable app as a connection error', async () => {
    await app.close();
    const res = await emu.driver.slashCommand({
      userId: ADMIN_USER_ID,
      channelId: SECOPS_CHANNEL_ID,
      text: 'help',
    });
    expect(res).toMatchObject({ status: 0, timedOut: false });
    expect(res.error).toBeTruthy();
    expect(emu.messages(SECOPS_CHANNEL_ID)[0]?.text).toContain('dispatch_failed');
  });

  it('sends block_actions with the current message, and response_url replaces it by default', async () => {
    const posted = await client.chat.postMessage({
      channel: SECOPS_CHANNEL_ID,
      text: 'Approve rotation?',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: 'Approve rotation?' } },
        {
          type: 'actions',
          block_id: 'decision',
          elements: [
            {
              type: 'button',
              action_id: 'approve',
              style: 'primary',
              text: { type: 'plain_text', text: 'Approve' },
              value: 'req-1',
            },
          ],
        },
      ],
    });
    const click = await emu.driver.blockAction({
      userId: APPROVER_USER_ID,
      channelId: SECOPS_CHANNEL_ID,
      messageTs: posted.ts!,
      actionId: 'approve',
    });
    expect(click.status).toBe(200);
    const p = app.received[0]!.payload!;
    expect(app.received[0]!.verified).toBe(true);
    expect(p).toMatchObject({
      type: 'block_actions',
      user: { id: APPROVER_USER_ID, username: 'alex.approver', name: 'alex.approver', team_id: 'T0CLOUDKNX' },
      api_app_id: 'A0CLOUDKNX',
      container: {
        type: 'message',
        message_ts: posted.ts,
        channel_id: SECOPS_CHANNEL_ID,
        is_ephemeral: false,
      },
      trigger_id: click.triggerId,
      team: { id: 'T0CLOUDKNX', domain: 'contoso-secops' },
      channel: { id: SECOPS_CHANNEL_ID, name: 'secops' },
      message: { ts: posted.ts, text: 'Approve rotation?' },
      response_url: click.responseUrl,
      actions: [
        {
          action_id: 'approve',
          block_id: 'decision',
          type: 'button',
          value: 'req-1',
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
        },
      ],
    });
    expect(((p.message as Record<string, unknown>).blocks as unknown[]).length).toBe(2);
    expect((p.actions as Array<Record<string, unknown>>)[0]!.action_ts).toMatch(/^\d+\.\d{6}$/);

    const r = await fetch(click.responseUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Approved by alex' }),
    });
    expect([r.status, await r.text()]).toEqual([200, 'ok']);
    expect(emu.messages(SECOPS_CHANNEL_ID)).toMatchObject([{ ts: posted.ts, text: 'Approved by alex' }]);

    await expect(
      emu.driver.blockAction({
        userId: APPROVER_USER_ID,
        channelId: SECOPS_CHANNEL_ID,
        messageTs: posted.ts!,
        actionId: 'nope',
      }),
    ).rejects.toThrow(/no element/);
  });

  it('sends view_submission with Slack-shaped state and applies errors / update / close', async () => {
    const opened = await client.views.open({
      trigger_id: emu.mintTrigger(ADMIN_USER_ID),
      view: {
        type: 'modal',
        callback_id: 'otp',
        private_metadata: 'req-1',
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

    app.setReply(() =>
      json({ response_action: 'errors', errors: { otp_block: 'Wrong code, 4 attempts left' } }),
    );
    const sub = await emu.driver.viewSubmission({
      userId: ADMIN_USER_ID,
      viewId,
      values: { otp_block: '123456' },
    });
    expect(sub.payload).toMatchObject({
      type: 'view_submission',
      user: { id: ADMIN_USER_ID },
      trigger_id: sub.triggerId,
      response_urls: [],
      view: {
        id: viewId,
        callback_id: 'otp',
        private_metadata: 'req-1',
        hash: opened.view!.hash,
        state: { values: { otp_block: { otp_input: { type: 'plain_text_input', value: '123456' } } } },
      },
    });
    expect(emu.viewErrors(viewId)).toEqual({ otp_block: 'Wrong code, 4 attempts left' });
    expect(emu.view(viewId)?.open).toBe(true);

    app.setReply(() => json({ response_action: 'errors', errors: { not_a_block: 'x' } }));
    await emu.driver.viewSubmission({ userId: ADMIN_USER_ID, viewId, values: { otp_block: '1' } });
    expect(emu.view(viewId)?.uiError).toContain(MODAL_TROUBLE);

    app.setReply(() =>
      json({
        response_action: 'update',
        view: { type: 'modal', title: { type: 'plain_text', text: 'Rotating…' }, blocks: [] },
      }),
    );
    await emu.driver.viewSubmission({ userId: ADMIN_USER_ID, viewId, values: { otp_block: '654321' } });
    expect((emu.view(viewId)?.payload.title as { text: string }).text).toBe('Rotating…');
    expect(emu.viewErrors(viewId)).toBeUndefined();

    app.setReply(() => ({}));
    await emu.driver.viewSubmission({ userId: ADMIN_USER_ID, viewId });
    expect(emu.view(viewId)?.open).toBe(false);
    expect(emu.openView(ADMIN_USER_ID)).toBeUndefined();
  });

  it('refuses to submit a modal with an empty required input, as Slack’s client does', async () => {
    const opened = await client.views.open({
      trigger_id: emu.mintTrigger(OUTSIDER_USER_ID, { channelId: RANDOM_CHANNEL_ID }),
      view: {
        type: 'modal',
        title: { type: 'plain_text', text: 'T' },
        submit: { type: 'plain_text', text: 'Go' },
        blocks: [
          {
            type: 'input',
            block_id: 'b',
            label: { type: 'plain_text', text: 'L' },
            element: { type: 'plain_text_input', action_id: 'a' },
          },
        ],
      },
    });
    await expect(
      emu.driver.viewSubmission({ userId: OUTSIDER_USER_ID, viewId: opened.view!.id! }),
    ).rejects.toThrow(/required input "b"/);
    expect(app.received).toHaveLength(0);
  });
});
