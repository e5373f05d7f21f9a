import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN_USER_ID,
  APPROVER_USER_ID,
  SECOPS_CHANNEL_ID,
  startSlackEmulator,
  type SlackEmulator,
} from '../../src/sim/slack/index.js';

const SECRET = 'bolt-signing-secret';
const TOKEN = 'xoxb-bolt-token';

/**
 * The emulator against a real Bolt app (HTTPReceiver): Bolt must accept the driver's signatures and
 * payloads, and its ack / respond / client calls must land where Slack would show them.
 */
describe('Slack emulator with a real Bolt app', () => {
  let emu: SlackEmulator;
  let app: App;

  beforeEach(async () => {
    emu = await startSlackEmulator({ signingSecret: SECRET, botToken: TOKEN });
    app = new App({
      token: TOKEN,
      signingSecret: SECRET,
      clientOptions: { slackApiUrl: emu.apiUrl },
      logLevel: LogLevel.ERROR,
    });
    app.command('/cloudknox', async ({ command, ack, respond, client }) => {
      if (command.text === 'slow') {
        await ack();
        await new Promise((r) => setTimeout(r, 50));
        await respond({ response_type: 'in_channel', text: 'slow result' });
        return;
      }
      if (command.text === 'modal') {
        await ack();
        await client.views.open({
          trigger_id: command.trigger_id,
          view: {
            type: 'modal',
            callback_id: 'otp',
            title: { type: 'plain_text', text: 'Validate OTP' },
            submit: { type: 'plain_text', text: 'Verify' },
            blocks: [
              {
                type: 'input',
                block_id: 'otp',
                label: { type: 'plain_text', text: 'Enter OTP' },
                element: { type: 'plain_text_input', action_id: 'code' },
              },
            ],
          },
        });
        return;
      }
      await ack(`you typed: ${command.text}`);
      await client.chat.postMessage({
        channel: command.channel_id,
        text: 'Approve?',
        blocks: [
          {
            type: 'actions',
            block_id: 'decide',
            elements: [
              {
                type: 'button',
                action_id: 'approve',
                text: { type: 'plain_text', text: 'Approve' },
                value: 'r1',
              },
            ],
          },
        ],
      });
    });
    app.action('approve', async ({ ack, respond, body }) => {
      await ack();
      await respond({ replace_original: true, text: `Approved by <@${body.user.id}>` });
    });
    app.view('otp', async ({ ack, view }) => {
      const code = view.state.values.otp?.code?.value;
      if (code !== '424242') {
        await ack({ response_action: 'errors', errors: { otp: 'Wrong code' } });
        return;
      }
      await ack();
    });
    const server = (await app.start(0)) as Server;
    emu.appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });

  afterEach(async () => {
    await app.stop();
    await emu.close();
  });

  it('runs a command, a click and a response_url update end to end', async () => {
    const res = await emu.driver.slashCommand({
      userId: ADMIN_USER_ID,
      channelId: SECOPS_CHANNEL_ID,
      text: 'keys <x>',
    });
    expect(res.status).toBe(200);
    const card = await emu.waitForMessage(SECOPS_CHANNEL_ID, (m) => m.text === 'Approve?');
    expect(emu.messages(SECOPS_CHANNEL_ID, { visibleTo: ADMIN_USER_ID })[0]?.text).toBe(
      'you typed: keys &lt;x&gt;',
    );

    const click = await emu.driver.blockAction({
      userId: APPROVER_USER_ID,
      channelId: SECOPS_CHANNEL_ID,
      messageTs: card.ts,
      actionId: 'approve',
    });
    expect(click.status).toBe(200);
    await emu.waitForMessage(SECOPS_CHANNEL_ID, (m) => m.ts === card.ts && m.text.startsWith('Approved'));
    expect(emu.messages(SECOPS_CHANNEL_ID).find((m) => m.ts === card.ts)?.text).toBe(
      `Approved by <@${APPROVER_USER_ID}>`,
    );
  });

  it('lets respond() post after the ack', async () => {
    await emu.driver.slashCommand({ userId: ADMIN_USER_ID, channelId: SECOPS_CHANNEL_ID, text: 'slow' });
    const msg = await emu.waitForMessage(SECOPS_CHANNEL_ID, (m) => m.text === 'slow result');
    expect(msg.origin).toBe('response_url');
    expect(msg.ephemeralTo).toBeUndefined();
  });

  it('opens a modal from the command trigger and shows submission errors', async () => {
    await emu.driver.slashCommand({ userId: ADMIN_USER_ID, channelId: SECOPS_CHANNEL_ID, text: 'modal' });
    const opened = await emu.waitFor((c) => c.method === 'views.open');
    expect(opened.response.ok).toBe(true);
    const view = emu.openView(ADMIN_USER_ID)!;

    await emu.driver.viewSubmission({ userId: ADMIN_USER_ID, viewId: view.id, values: { otp: '000000' } });
    expect(emu.viewErrors(view.id)).toEqual({ otp: 'Wrong code' });

    await emu.driver.viewSubmission({ userId: ADMIN_USER_ID, viewId: view.id, values: { otp: '424242' } });
    expect(emu.view(view.id)?.open).toBe(false);
  });

  it('is rejected by Bolt when signed with the wrong secret', async () => {
    const res = await emu.driver.signedPost('command=%2Fcloudknox&text=help', { secret: 'not-the-secret' });
    expect(res.status).toBe(401);
  });
});
