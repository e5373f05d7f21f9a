import { WebClient, type WebAPICallError } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN_USER_ID,
  APPROVER_USER_ID,
  startSlackEmulator,
  type SlackEmulator,
} from '../../src/sim/slack/index.js';
import { quietLogger } from '../../src/sim/slack/quiet-logger.js';

const TOKEN = 'xoxb-views-token';

function modal(title = 'Validate OTP', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: 'otp_modal',
    title: { type: 'plain_text', text: title },
    submit: { type: 'plain_text', text: 'Verify' },
    private_metadata: '{"requestId":"r1"}',
    blocks: [
      {
        type: 'input',
        block_id: 'otp',
        label: { type: 'plain_text', text: 'Enter OTP' },
        element: { type: 'plain_text_input', action_id: 'otp_value' },
      },
    ],
    ...extra,
  };
}

async function slackError(
  p: Promise<unknown>,
): Promise<WebAPICallError & { data?: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    return err as WebAPICallError & { data?: Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
}

describe('Slack emulator: views and trigger_id rules', () => {
  let emu: SlackEmulator;
  let client: WebClient;

  beforeEach(async () => {
    emu = await startSlackEmulator({ signingSecret: 's', botToken: TOKEN, triggerTtlMs: 3000 });
    client = new WebClient(TOKEN, {
      slackApiUrl: emu.apiUrl,
      retryConfig: { retries: 0 },
      logger: quietLogger(),
    });
  });
  afterEach(async () => {
    await emu.close();
  });

  it('opens a modal with a live trigger, once', async () => {
    const trigger = emu.mintTrigger(ADMIN_USER_ID);
    const res = await client.views.open({ trigger_id: trigger, view: modal() as never });
    expect(res.view).toMatchObject({ callback_id: 'otp_modal', private_metadata: '{"requestId":"r1"}' });
    expect(res.view?.id).toMatch(/^V/);
    expect(res.view?.hash).toBeTruthy();
    expect(emu.openView(ADMIN_USER_ID)?.id).toBe(res.view?.id);

    const again = await slackError(client.views.open({ trigger_id: trigger, view: modal() as never }));
    expect(again.data?.error).toBe('exchanged_trigger_id');
    const unknown = await slackError(client.views.open({ trigger_id: '1.2.abc', view: modal() as never }));
    expect(unknown.data?.error).toBe('invalid_trigger_id');
  });

  it('refuses a trigger older than triggerTtlMs with expired_trigger_id', async () => {
    const trigger = emu.mintTrigger(ADMIN_USER_ID);
    emu.advanceTime(3001);
    const err = await slackError(client.views.open({ trigger_id: trigger, view: modal() as never }));
    expect(err.data?.error).toBe('expired_trigger_id');
    expect(emu.views().size).toBe(0);
  });

  it('expires triggers in real time too', async () => {
    await emu.close();
    emu = await startSlackEmulator({ signingSecret: 's', botToken: TOKEN, triggerTtlMs: 100 });
    client = new WebClient(TOKEN, {
      slackApiUrl: emu.apiUrl,
      retryConfig: { retries: 0 },
      logger: quietLogger(),
    });
    const trigger = emu.mintTrigger(ADMIN_USER_ID);
    await new Promise((r) => setTimeout(r, 150));
    const err = await slackError(client.views.open({ trigger_id: trigger, view: modal() as never }));
    expect(err.data?.error).toBe('expired_trigger_id');
  });

  it('checks view limits: title 24, private_metadata 3000, 100 blocks, submit with inputs', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [modal('x'.repeat(25)), 'must be less than 25 characters [json-pointer:/view/title/text]'],
      [
        modal('ok', { private_metadata: 'm'.repeat(3001) }),
        'must be less than 3001 characters [json-pointer:/view/private_metadata]',
      ],
      [
        modal('ok', { blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) }),
        'no more than 100 items allowed',
      ],
      [modal('ok', { submit: undefined }), 'must provide submit property when using input blocks'],
    ];
    for (const [view, message] of cases) {
      const err = await slackError(
        client.views.open({ trigger_id: emu.mintTrigger(ADMIN_USER_ID), view: view as never }),
      );
      expect(err.data?.error).toBe('invalid_arguments');
      const messages = (err.data?.response_metadata as { messages: string[] }).messages;
      expect(messages.some((m) => m.startsWith('[ERROR]') && m.includes(message))).toBe(true);
    }
  });

  it('updates by view_id with an optional hash check, and pushes onto the stack', async () => {
    const opened = await client.views.open({
      trigger_id: emu.mintTrigger(ADMIN_USER_ID),
      view: modal() as never,
    });
    const id = opened.view!.id!;
    const hash = opened.view!.hash!;
    const updated = await client.views.update({ view_id: id, hash, view: modal('Code sent') as never });
    expect(updated.view?.id).toBe(id);
    expect(updated.view?.hash).not.toBe(hash);
    expect((emu.view(id)?.payload.title as { text: string }).text).toBe('Code sent');

    const stale = await slackError(client.views.update({ view_id: id, hash, view: modal() as never }));
    expect(stale.data?.error).toBe('hash_conflict');
    const missing = await slackError(client.views.update({ view_id: 'V0NOPE', view: modal() as never }));
    expect(missing.data?.error).toBe('not_found');

    const pushed = await client.views.push({
      trigger_id: emu.mintTrigger(ADMIN_USER_ID, { viewId: id }),
      view: modal('Second') as never,
    });
    expect(pushed.view).toMatchObject({ root_view_id: id, previous_view_id: id });
    expect(emu.openView(ADMIN_USER_ID)?.id).toBe(pushed.view?.id);
    expect(emu.openView(APPROVER_USER_ID)).toBeUndefined();
  });
});
